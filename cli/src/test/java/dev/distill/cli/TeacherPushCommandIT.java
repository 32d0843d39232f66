package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherStore;
import dev.distill.kafka.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `distill teacher push` as a user runs it: what it sends and says, and the one sentence when it cannot. */
class TeacherPushCommandIT extends IsolatedHome {
  @TempDir static Path brokerDir;
  static EmbeddedKafka broker;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafka.builder().dataDir(brokerDir).port(0).controllerPort(0).build().start();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  /** A stored teacher whose one member takes two 512 KiB chunks (the push does not run the model). */
  private static void storedTeacher(String id, int memberBytes) throws Exception {
    byte[] member = new byte[memberBytes];
    new Random(1).nextBytes(member);
    TeacherCommand.store().publish(id, List.of(member), TeacherManifest.legacy(784, 10, Map.of("origin", "test")));
  }

  /** Runs a command expected to fail: its exit code and what it wrote to stderr. */
  private static String fails(String... args) {
    PrintStream old = System.out;
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    StringWriter err = new StringWriter();
    int rc;
    try {
      var cli = Distill.commandLine();
      cli.setErr(new PrintWriter(err, true));
      rc = cli.execute(args);
    } finally {
      System.setOut(old);
    }
    assertThat(rc).as("exit code of distill %s", String.join(" ", args)).isEqualTo(1);
    return err.toString();
  }

  @Test
  void pushSendsTheNewestVersionInChunksWithItsCommitAndSaysWhatItSent() throws Exception {
    storedTeacher("mnist", 600_000);
    storedTeacher("mnist", 700_000);
    String bs = broker.bootstrapServers();

    String out = run("teacher", "push", "--id", "mnist", "--bootstrap-servers", bs, "--topic-prefix", "tp");

    TeacherStore store = TeacherCommand.store();
    assertThat(out)
        .contains("pushing teacher 'mnist' v2 from " + store.root().resolve("mnist/v2") + " to tp.teachers at " + bs)
        .containsPattern("member-0\\.onnx +700,000 bytes +2 chunk\\(s\\)  sha256 [0-9a-f]{64}")
        .containsPattern("teacher\\.json +[0-9,]+ bytes +1 chunk\\(s\\)")
        .contains("in 3 chunk(s) and a commit (4 records) to tp.teachers")
        .contains("scorers with DISTILL_TEACHER_SYNC=true and DISTILL_TEACHER_ID=mnist install it");
    assertThat(run("teacher", "push", "--id", "mnist", "--version", "1", "--bootstrap-servers", bs,
        "--topic-prefix", "tp"))
        .contains("pushing teacher 'mnist' v1").containsPattern("member-0\\.onnx +600,000 bytes");
    assertThat(run("topics", "--bootstrap-servers", bs, "--topic-prefix", "tp", "--count", "tp.teachers"))
        .contains("tp.teachers: 8 records, 8 distinct keys");
  }

  @Test
  void aMissingTeacherOrVersionOrAnUnreachableKafkaExitsNonZeroWithOneSentence() throws Exception {
    String bs = broker.bootstrapServers();
    assertThat(fails("teacher", "push", "--id", "nobody", "--bootstrap-servers", bs))
        .contains("distill: no usable teacher 'nobody' in " + TeacherCommand.store().root()
            + ": import one with `distill teacher import FILE.onnx --id nobody`");

    storedTeacher("mnist", 10);
    assertThat(fails("teacher", "push", "--id", "mnist", "--version", "7", "--bootstrap-servers", bs))
        .contains("distill: teacher 'mnist' has no v7 in " + TeacherCommand.store().root() + "; it has v1");

    assertThat(fails("teacher", "push", "--id", "mnist", "--bootstrap-servers", "localhost:1", "--timeout", "2s"))
        .contains("distill: cannot reach Kafka at localhost:1 within 2 s");
  }
}
