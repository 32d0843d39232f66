package dev.distill.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.client.sim.Students;
import dev.distill.platform.config.ConfigReader;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code distill rollout ...} against a real publisher's admin API (in memory, real HTTP). */
class RolloutCommandTest {
  private static final String TOKEN = "admin-token-for-the-rollout-command";
  @TempDir static Path dir;
  static PublisherService publisher;

  @BeforeAll
  static void start() throws Exception {
    publisher = PublisherService.startInMemory(PublisherConfig.read(ConfigReader.from(Map.of(
        PublisherConfig.PORT, "0", PublisherConfig.ADMIN_PORT, "0", "DISTILL_HTTP_PORT", "0",
        PublisherConfig.ADMIN_TOKEN, TOKEN,
        PublisherConfig.SIGNING_KEY, dir.resolve("key.pem").toString(),
        PublisherConfig.ARTIFACT_DIR, dir.resolve("artifacts").toString(),
        // operators start rollouts here: nothing starts on its own
        PublisherConfig.AUTO, "false"))), Clock.systemUTC());
    for (long v = 1; v <= 2; v++) {
      assertThat(publisher.ingest(Students.version("digits", v, Students.random(784, 8, 10, v, v)),
          System.currentTimeMillis())).isTrue();
    }
  }

  @AfterAll
  static void stop() {
    publisher.close();
  }

  static CliRun run(String... args) {
    List<String> all = new ArrayList<>(List.of("rollout"));
    all.addAll(List.of(args));
    int split = 2; // after "rollout SUBCOMMAND"
    all.addAll(Math.min(split, all.size()), List.of("--admin", publisher.adminUri().toString(), "--admin-token", TOKEN));
    return CliRun.of(all.toArray(String[]::new));
  }

  @Test
  void anOperatorStartsPausesPinsAndAbortsARollout() {
    CliRun list = run("list");
    assertThat(list.rc()).as(list.err()).isZero();
    assertThat(list.out()).contains("digits").contains("v2").contains("none");

    CliRun start = run("start", "digits", "--to-version", "2", "--waves", "0.5,1");
    assertThat(start.rc()).as(start.err()).isZero();
    assertThat(start.out()).startsWith("digits ACTIVE v2, wave 1/2");

    CliRun pause = run("pause", "digits", "--reason", "looking at reports");
    assertThat(pause.rc()).as(pause.err()).isZero();
    assertThat(pause.out()).contains("PAUSED v2").contains("(looking at reports)");
    assertThat(run("resume", "digits").out()).contains("ACTIVE v2");

    CliRun pin = run("pin", "digits", "--to-version", "1");
    assertThat(pin.rc()).as(pin.err()).isZero();
    assertThat(pin.out()).contains("pinned to v1");
    assertThat(run("unpin", "digits").out()).doesNotContain("pinned");

    CliRun abort = run("abort", "digits", "--reason", "bad accuracy");
    assertThat(abort.rc()).as(abort.err()).isZero();
    assertThat(abort.out()).contains("ABORTED");
    assertThat(run("list").out()).contains("ABORTED");
  }

  @Test
  void anOperatorRemovesADeviceWhoseTokenThenStopsWorking() throws Exception {
    var admin = new dev.distill.client.http.AdminClient(java.net.http.HttpClient.newHttpClient(), publisher.adminUri(), TOKEN);
    String token = admin.register("gone-1", "digits").token();
    var devices = new dev.distill.client.http.PublisherClient(java.net.http.HttpClient.newHttpClient(), publisher.apiUri());
    assertThat(devices.assignment("gone-1", token).deviceId()).isEqualTo("gone-1");

    CommandLine cli = Distill.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] remove = {"devices", "remove", "gone-1", "--admin", publisher.adminUri().toString(), "--admin-token", TOKEN};
    assertThat(cli.execute(remove)).as(err.toString()).isZero();
    assertThat(out.toString()).contains("removed gone-1");
    assertThatThrownBy(() -> devices.assignment("gone-1", token)).hasMessageContaining("401");
    assertThat(Distill.commandLine().execute(remove)).isEqualTo(1);
  }

  @Test
  void anOperatorListsTheFleetAPageAtATime() throws Exception {
    var admin = new dev.distill.client.http.AdminClient(java.net.http.HttpClient.newHttpClient(), publisher.adminUri(), TOKEN);
    for (int i = 0; i < 3; i++) {
      admin.registerOrRotate("listed-" + i, "fleet-listing");
    }
    CommandLine cli = Distill.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] list = {"devices", "list", "--model", "fleet-listing", "--status", "NEVER_REPORTED", "--after", "listed-", "--limit", "2",
        "--admin", publisher.adminUri().toString(), "--admin-token", TOKEN};
    assertThat(cli.execute(list)).as(err.toString()).isZero();
    assertThat(out.toString()).contains("listed-0").contains("listed-1").doesNotContain("listed-2")
        .contains("2 of 3 matching devices; next page: --after listed-1");
    String[] bad = {"devices", "list", "--status", "HAPPY", "--admin", publisher.adminUri().toString(), "--admin-token", TOKEN};
    StringWriter badErr = new StringWriter();
    CommandLine again = Distill.commandLine();
    again.setErr(new PrintWriter(badErr, true));
    assertThat(again.execute(bad)).isEqualTo(1);
    assertThat(badErr.toString()).contains("400 INVALID_FIELD");
  }

  @Test
  void aRefusalIsOneSentenceWithTheApisCode() {
    CliRun unknown = run("pause", "no-such-model");
    assertThat(unknown.rc()).isEqualTo(1);
    assertThat(unknown.err()).contains("the publisher refused: 404 UNKNOWN_MODEL").doesNotContain("Exception");

    CliRun noVersion = run("start", "digits", "--to-version", "99");
    assertThat(noVersion.rc()).isEqualTo(1);
    assertThat(noVersion.err()).contains("UNKNOWN_VERSION");
  }

  @Test
  void anAdminTokenComesWithTheLineThatAdmitsItsHashOnly() throws Exception {
    CommandLine cli = Distill.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    assertThat(cli.execute("admin-token", "--name", "vera", "--role", "operator")).isZero();
    String[] lines = out.toString().split("\\R");
    String token = lines[0].substring(lines[0].lastIndexOf(' ') + 1);
    java.nio.file.Files.writeString(dir.resolve("operators"), lines[2]);
    var ops = dev.distill.publisher.http.Operators.read(TOKEN, dir.resolve("operators"));
    assertThat(lines[2]).startsWith("vera operator ").doesNotContain(token);
    assertThat(ops.size()).isEqualTo(2);
  }

  @Test
  void aWrongTokenOrNoPublisherIsSaid() {
    CommandLine cli = Distill.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    int rc = cli.execute("rollout", "list", "--admin", publisher.adminUri().toString(), "--admin-token", "wrong-token-0123456789");
    assertThat(rc).isEqualTo(1);
    assertThat(err.toString()).contains("401 INVALID_TOKEN");

    StringWriter err2 = new StringWriter();
    cli = Distill.commandLine();
    cli.setErr(new PrintWriter(err2, true));
    rc = cli.execute("rollout", "list", "--admin", "http://localhost:1", "--admin-token", TOKEN);
    assertThat(rc).isEqualTo(1);
    assertThat(err2.toString()).contains("cannot reach the admin API at http://localhost:1");
  }
}
