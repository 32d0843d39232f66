package dev.distill.scorer.sync;

import com.google.protobuf.ByteString;
import dev.distill.contract.model.TeacherStore;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.proto.TeacherChunk;
import dev.distill.contract.proto.TeacherCommit;
import dev.distill.contract.proto.TeacherFile;
import dev.distill.contract.proto.TeacherRecord;
import dev.distill.contract.wire.TeacherRecords;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.teacher.TeacherPoller;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * Publishes one stored teacher version to the teacher topic, for {@link TeacherSync} to install
 * on every scorer: each file of the version folder in chunks of {@link TeacherRecords#CHUNK_BYTES},
 * then, once Kafka has acknowledged every chunk, the commit that lists the files. The producer is
 * idempotent with acks=all, so a retried chunk is neither lost nor duplicated, and the topic's one
 * partition keeps the commit after its chunks. Pushing a version again is harmless: readers leave
 * an identical installed version alone, and compaction keeps one copy of each key.
 */
public final class TeacherPush {
  private final KafkaSettings kafka;
  private final Duration timeout;
  private final int chunkBytes;
  private final Clock clock;

  /** A pushed file. */
  public record PushedFile(String name, long length, String sha256, int chunks) {}

  /** What a push sent. */
  public record Summary(String teacherId, int version, String topic, List<PushedFile> files) {
    public long bytes() {
      return files.stream().mapToLong(PushedFile::length).sum();
    }

    public int chunks() {
      return files.stream().mapToInt(PushedFile::chunks).sum();
    }

    /** Chunks plus the commit. */
    public int records() {
      return chunks() + 1;
    }
  }

  /** @param timeout how long to wait for Kafka to answer at all, and to take each record */
  public TeacherPush(KafkaSettings kafka, Duration timeout) {
    this(kafka, timeout, TeacherRecords.CHUNK_BYTES, Clock.systemUTC());
  }

  // VisibleForTesting: smaller chunks make a small teacher travel in several
  TeacherPush(KafkaSettings kafka, Duration timeout, int chunkBytes, Clock clock) {
    this.kafka = kafka;
    this.timeout = timeout;
    this.chunkBytes = chunkBytes;
    this.clock = clock;
  }

  /**
   * A stored version of a teacher: the given one, or the newest.
   *
   * @throws TeacherPushException naming what the store has instead
   */
  public static TeacherVersion find(TeacherStore store, String teacherId, OptionalInt version) {
    List<TeacherVersion> versions;
    List<String> problems;
    try {
      versions = store.versions(teacherId);
      problems = store.problems(teacherId);
    } catch (IOException e) {
      throw new TeacherPushException("cannot read the teacher store " + store.root() + ": " + e.getMessage(), e);
    }
    if (versions.isEmpty()) {
      throw new TeacherPushException(TeacherPoller.noTeacher(store, teacherId, problems));
    }
    String unusable = problems.isEmpty() ? "" : " (unusable: " + String.join("; ", problems) + ")";
    if (version.isEmpty()) {
      return versions.get(versions.size() - 1);
    }
    return versions.stream().filter(v -> v.version() == version.getAsInt()).findFirst()
        .orElseThrow(() -> new TeacherPushException("teacher '" + teacherId + "' has no v" + version.getAsInt()
            + " in " + store.root() + "; it has " + versions.stream().map(v -> "v" + v.version())
            .collect(Collectors.joining(", ")) + unusable));
  }

  /**
   * Pushes a version and waits until Kafka has every record.
   *
   * @throws TeacherPushException when Kafka cannot be reached or refuses a record, or a file
   *     cannot be read (the commit is then not written, so no reader installs the version)
   */
  public Summary push(TeacherVersion v) {
    List<Path> paths = files(v.dir());
    List<PushedFile> files = new ArrayList<>();
    for (Path p : paths) {
      try {
        long length = Files.size(p);
        files.add(new PushedFile(p.getFileName().toString(), length, FileHash.sha256(p),
            TeacherRecords.chunkCount(length, chunkBytes)));
      } catch (IOException e) {
        throw new TeacherPushException("cannot read " + p + ": " + e.getMessage(), e);
      }
    }
    Topics topics = kafka.topics();
    Topic<String, TeacherRecord> topic = topics.teachers();
    ensureTopic(topics);
    Map<String, Object> limits = Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
    KafkaProducer<String, TeacherRecord> producer =
        KafkaClients.producer(kafka, topic, "distill-teacher-push", limits);
    try {
      AtomicReference<Exception> refused = new AtomicReference<>();
      for (int i = 0; i < files.size(); i++) {
        sendChunks(producer, topic, v, paths.get(i), files.get(i), refused);
      }
      producer.flush();
      check(refused, topic);
      // only now: a commit is never read before Kafka has all of its chunks
      TeacherCommit.Builder commit = TeacherCommit.newBuilder().setPushedAtMs(clock.millis());
      files.forEach(f -> commit.addFiles(TeacherFile.newBuilder().setName(f.name()).setLength(f.length())
          .setSha256(f.sha256()).setChunks(f.chunks())));
      TeacherRecord record = TeacherRecord.newBuilder().setTeacherId(v.teacherId()).setVersion(v.version())
          .setCommit(commit).build();
      producer.send(new ProducerRecord<>(topic.name(), TeacherRecords.commitKey(v.teacherId(), v.version()), record),
          (md, e) -> refused.compareAndSet(null, e));
      producer.flush();
      check(refused, topic);
    } catch (KafkaException e) {
      throw new TeacherPushException("Kafka at " + kafka.bootstrapServers() + " did not take the teacher: "
          + e.getMessage(), e);
    } finally {
      // bounded: after a failure, records still in the buffer must not hold the caller for long
      producer.close(timeout);
    }
    return new Summary(v.teacherId(), v.version(), topic.name(), files);
  }

  private void sendChunks(KafkaProducer<String, TeacherRecord> producer, Topic<String, TeacherRecord> topic,
      TeacherVersion v, Path path, PushedFile f, AtomicReference<Exception> refused) {
    MessageDigest sent = FileHash.digest();
    try (InputStream in = Files.newInputStream(path)) {
      for (int index = 0; index < f.chunks(); index++) {
        byte[] data = in.readNBytes(chunkBytes);
        sent.update(data);
        TeacherRecord chunk = TeacherRecord.newBuilder().setTeacherId(v.teacherId()).setVersion(v.version())
            .setChunk(TeacherChunk.newBuilder().setFile(f.name()).setIndex(index).setCount(f.chunks())
                .setOffset((long) index * chunkBytes).setData(ByteString.copyFrom(data))
                .setFileLength(f.length()).setFileSha256(f.sha256()))
            .build();
        producer.send(new ProducerRecord<>(topic.name(),
            TeacherRecords.chunkKey(v.teacherId(), v.version(), f.name(), index), chunk),
            (md, e) -> {
              if (e != null) {
                refused.compareAndSet(null, e);
              }
            });
        check(refused, topic);
      }
      if (in.read() >= 0 || !HexFormat.of().formatHex(sent.digest()).equals(f.sha256())) {
        throw new TeacherPushException(path + " changed while it was being pushed; nothing was committed");
      }
    } catch (IOException e) {
      throw new TeacherPushException("cannot read " + path + ": " + e.getMessage() + "; nothing was committed", e);
    }
  }

  private static void check(AtomicReference<Exception> refused, Topic<?, ?> topic) {
    Exception e = refused.get();
    if (e != null) {
      throw new TeacherPushException("Kafka refused a record of " + topic.name() + ": " + e.getMessage(), e);
    }
  }

  /** The regular files of a version folder (hidden ones aside), by name. */
  private static List<Path> files(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> out = new ArrayList<>();
      for (Path p : s.sorted().toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith(".")) {
          continue;
        }
        if (!Files.isRegularFile(p) || !TeacherRecords.FILE_NAME.matcher(name).matches()) {
          throw new TeacherPushException("cannot push " + dir + ": " + name + " is not a plain file matching "
              + TeacherRecords.FILE_NAME.pattern());
        }
        out.add(p);
      }
      return out;
    } catch (IOException e) {
      throw new TeacherPushException("cannot read " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Checks that Kafka answers at all (a clear error instead of a producer blocking), then ensures the topics. */
  private void ensureTopic(Topics topics) {
    Map<String, Object> p = new java.util.HashMap<>(Map.of(
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000)));
    p.putAll(kafka.clientProperties());
    try (Admin admin = Admin.create(p)) {
      try {
        admin.describeCluster().clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        String why = e instanceof ExecutionException && e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : "";
        throw new TeacherPushException("cannot reach Kafka at " + kafka.bootstrapServers() + " within "
            + timeout.toSeconds() + " s" + why, e);
      }
      TopicAdmin.ensure(admin, topics, kafka.replicationFactor());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TeacherPushException("interrupted while connecting to Kafka", e);
    } catch (IllegalStateException e) {
      throw new TeacherPushException(e.getMessage(), e);
    }
  }
}
