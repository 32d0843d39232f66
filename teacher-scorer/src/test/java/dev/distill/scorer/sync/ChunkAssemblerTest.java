package dev.distill.scorer.sync;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.proto.TeacherChunk;
import dev.distill.contract.proto.TeacherCommit;
import dev.distill.contract.proto.TeacherFile;
import dev.distill.contract.proto.TeacherRecord;
import dev.distill.scorer.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class ChunkAssemblerTest {
  private static final int CHUNK = 1000;

  @TempDir Path dir;
  private Path store;
  private final List<String> installed = new ArrayList<>();
  private final List<String> rejected = new ArrayList<>();
  private ChunkAssembler assembler;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void assemblerIntoAnEmptyStore() {
    store = dir.resolve("store");
    assembler = new ChunkAssembler(store, new ChunkAssembler.Listener() {
      @Override
      public void installed(String teacherId, int version, long bytes) {
        installed.add(teacherId + " v" + version + " " + bytes);
      }

      @Override
      public void rejected(String teacherId, int version, String reason) {
        rejected.add(teacherId + " v" + version + ": " + reason);
      }
    });
    logged.start();
    ((Logger) LoggerFactory.getLogger(ChunkAssembler.class)).addAppender(logged);
  }

  @AfterEach
  void detachLog() {
    ((Logger) LoggerFactory.getLogger(ChunkAssembler.class)).detachAppender(logged);
  }

  /** A teacher version as it is on the topic: every file's chunks (files by name), then the commit. */
  record Push(List<TeacherRecord> chunks, TeacherRecord commit) {
    List<TeacherRecord> all() {
      List<TeacherRecord> out = new ArrayList<>(chunks);
      out.add(commit);
      return out;
    }
  }

  static Push push(String id, int version, Map<String, byte[]> files) {
    List<TeacherRecord> chunks = new ArrayList<>();
    TeacherCommit.Builder commit = TeacherCommit.newBuilder().setPushedAtMs(1);
    new TreeMap<>(files).forEach((name, bytes) -> {
      String sha = sha256(bytes);
      int count = Math.max(1, (bytes.length + CHUNK - 1) / CHUNK);
      for (int i = 0; i < count; i++) {
        int from = i * CHUNK;
        chunks.add(TeacherRecord.newBuilder().setTeacherId(id).setVersion(version).setChunk(TeacherChunk.newBuilder()
            .setFile(name).setIndex(i).setCount(count).setOffset(from)
            .setData(ByteString.copyFrom(bytes, from, Math.min(CHUNK, bytes.length - from)))
            .setFileLength(bytes.length).setFileSha256(sha)).build());
      }
      commit.addFiles(TeacherFile.newBuilder().setName(name).setLength(bytes.length).setSha256(sha).setChunks(count));
    });
    return new Push(chunks, TeacherRecord.newBuilder().setTeacherId(id).setVersion(version).setCommit(commit).build());
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** The files of a real stored teacher version (an ONNX model and its manifest). */
  private Map<String, byte[]> storedTeacher(long seed) throws IOException {
    TeacherVersion v = TestModels.publish(new TeacherStore(dir.resolve("source-" + seed)), "mnist",
        TestModels.mlp(seed, 784, 8, 10));
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (Stream<Path> s = Files.list(v.dir())) {
      for (Path p : s.sorted().toList()) {
        files.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    }
    return files;
  }

  private void feed(List<TeacherRecord> records) throws IOException {
    for (TeacherRecord r : records) {
      assembler.accept(r);
    }
  }

  private Path version(int v) {
    return store.resolve("mnist").resolve("v" + v);
  }

  private List<String> hiddenLeftovers() throws IOException {
    Path teacher = store.resolve("mnist");
    if (!Files.isDirectory(teacher)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(teacher)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
    }
  }

  private List<String> warnings() {
    return logged.list.stream().filter(e -> e.getLevel().levelStr.equals("WARN"))
        .map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void chunksInAnyOrderMakeAByteIdenticalVersionThatTheStoreReads() throws IOException {
    Map<String, byte[]> files = storedTeacher(1);
    assertThat(files.get("member-0.onnx").length).as("several chunks").isGreaterThan(3 * CHUNK);
    Push p = push("mnist", 1, files);
    List<TeacherRecord> shuffled = new ArrayList<>(p.chunks());
    Collections.shuffle(shuffled, new Random(7));

    feed(shuffled);
    assertThat(version(1)).as("nothing before the commit").doesNotExist();
    assembler.accept(p.commit());

    for (var f : files.entrySet()) {
      assertThat(Files.readAllBytes(version(1).resolve(f.getKey()))).as(f.getKey()).isEqualTo(f.getValue());
    }
    try (Stream<Path> s = Files.list(version(1))) {
      assertThat(s.map(x -> x.getFileName().toString())).containsExactlyInAnyOrderElementsOf(files.keySet());
    }
    assertThat(new TeacherStore(store).latest("mnist")).hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(1));
    assertThat(installed).containsExactly("mnist v1 " + files.values().stream().mapToInt(b -> b.length).sum());
    assertThat(rejected).isEmpty();
    assertThat(hiddenLeftovers()).isEmpty();
    assertThat(assembler.pending()).isEmpty();
  }

  @Test
  void aCommitReadBeforeSomeOfItsChunksWaitsAndTheLastChunkInstallsTheVersion() throws IOException {
    Push p = push("mnist", 2, Map.of("member-0.onnx", random(3500, 1), "teacher.json", random(10, 2)));
    List<TeacherRecord> chunks = p.chunks();

    feed(chunks.subList(0, 2));
    assembler.accept(p.commit());
    assertThat(version(2)).doesNotExist();
    assertThat(assembler.pending()).singleElement().asString()
        .startsWith("mnist/v2: committed, still missing").contains("2 of 4 chunk(s) of member-0.onnx")
        .contains("all 1 chunk(s) of teacher.json");

    feed(chunks.subList(2, chunks.size()));
    assertThat(Files.readAllBytes(version(2).resolve("member-0.onnx"))).isEqualTo(random(3500, 1));
    assertThat(installed).hasSize(1);
  }

  @Test
  void anIncompleteVersionIsNeverInstalledAndSaysWhatItLacks() throws IOException {
    Push p = push("mnist", 3, Map.of("member-0.onnx", random(2500, 3)));
    feed(p.chunks().subList(0, 2)); // the last of three chunks never comes
    assembler.accept(p.commit());

    assertThat(version(3)).doesNotExist();
    assertThat(new TeacherStore(store).latest("mnist")).isEmpty();
    assertThat(installed).isEmpty();
    assertThat(rejected).as("it may still be completed").isEmpty();
    assertThat(assembler.pending()).containsExactly("mnist/v3: committed, still missing 1 of 3 chunk(s) of member-0.onnx");

    Push unfinished = push("mnist", 4, Map.of("member-0.onnx", random(10, 4)));
    feed(unfinished.chunks()); // a push whose commit never comes
    assertThat(version(4)).doesNotExist();
    assertThat(assembler.pending()).contains("mnist/v4: chunks of 1 file(s) but no commit yet");
  }

  @Test
  void aCorruptFileRejectsTheVersionLogsTheReasonAndLeavesNothingBehind() throws IOException {
    byte[] model = random(2500, 5);
    Push p = push("mnist", 1, Map.of("member-0.onnx", model));
    List<TeacherRecord> records = new ArrayList<>(p.all());
    TeacherRecord middle = records.get(1);
    byte[] flipped = middle.getChunk().getData().toByteArray();
    flipped[17] ^= 1;
    records.set(1, middle.toBuilder().setChunk(middle.getChunk().toBuilder().setData(ByteString.copyFrom(flipped)))
        .build());

    feed(records);

    assertThat(version(1)).doesNotExist();
    assertThat(installed).isEmpty();
    assertThat(rejected).singleElement().asString()
        .contains("member-0.onnx hashes to sha256").contains("its commit says " + sha256(model));
    assertThat(warnings()).singleElement().asString()
        .startsWith("teacher mnist v1 rejected, not installed: member-0.onnx hashes to sha256");
    assertThat(hiddenLeftovers()).as("the staging folder is removed").isEmpty();
    assertThat(assembler.pending()).isEmpty();

    feed(p.all()); // pushed again, intact
    assertThat(Files.readAllBytes(version(1).resolve("member-0.onnx"))).isEqualTo(model);
  }

  @Test
  void aRePushOfAnInstalledVersionLeavesItAlone() throws IOException {
    Map<String, byte[]> files = storedTeacher(2);
    Push p = push("mnist", 1, files);
    feed(p.all());
    Path member = version(1).resolve("member-0.onnx");
    var installedAt = Files.getLastModifiedTime(member);

    feed(p.all());

    assertThat(installed).hasSize(1);
    assertThat(rejected).isEmpty();
    assertThat(Files.getLastModifiedTime(member)).isEqualTo(installedAt);
    assertThat(hiddenLeftovers()).as("an installed version's chunks are not staged again").isEmpty();
    assertThat(warnings()).isEmpty();
  }

  @Test
  void otherContentUnderAnInstalledVersionNumberIsRejectedAndTheInstalledOneKept() throws IOException {
    byte[] first = random(1500, 6);
    feed(push("mnist", 1, Map.of("member-0.onnx", first)).all());

    feed(push("mnist", 1, Map.of("member-0.onnx", random(1500, 7))).all());

    assertThat(Files.readAllBytes(version(1).resolve("member-0.onnx"))).isEqualTo(first);
    assertThat(rejected).singleElement().asString().contains("differs from the installed")
        .contains("member-0.onnx has other bytes").contains("push the new content as a new version");
  }

  @Test
  void chunksOfAnUnfinishedPushAreNotMixedIntoTheNextPushOfTheSameVersion() throws IOException {
    byte[] abandoned = random(2500, 8);
    byte[] finished = random(2200, 9);
    Push a = push("mnist", 5, Map.of("member-0.onnx", abandoned, "notes.txt", random(5, 10)));
    Push b = push("mnist", 5, Map.of("member-0.onnx", finished));
    feed(a.chunks()); // the first push stopped before its commit

    feed(b.all());

    assertThat(Files.readAllBytes(version(5).resolve("member-0.onnx"))).isEqualTo(finished);
    try (Stream<Path> s = Files.list(version(5))) {
      assertThat(s.map(x -> x.getFileName().toString())).as("only what the commit lists")
          .containsExactly("member-0.onnx");
    }
    assertThat(rejected).isEmpty();
    assertThat(installed).hasSize(1);
  }
}
