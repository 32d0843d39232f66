package dev.distill.publisher.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.client.sim.Students;
import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.Rollout;
import dev.distill.contract.proto.Rollout.State;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer of rollout state on a real broker: several replicas, all candidates for the
 * controller role and with clocks an hour apart, take operators' calls; exactly one applies
 * them and runs the waves, every replica converges on the same state and revision, and a
 * replica taking over from a closed controller carries the rollout on.
 */
class SingleWriterIT {
  static final String MODEL = "m";
  static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir static Path dir;
  static EmbeddedKafka broker;
  static int prefixes;
  final List<PublisherService> replicas = new ArrayList<>();
  final HttpClient http = HttpClient.newHttpClient();
  final ObjectMapper mapper = new ObjectMapper();
  String prefix;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).port(0).controllerPort(0).build().start();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @AfterEach
  void closeReplicas() {
    replicas.forEach(PublisherService::close);
  }

  /** A replica whose clock is {@code skew} off the others'; each test has topics of its own. */
  PublisherService replica(String name, Duration skew, Map<String, String> extra) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of(KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
        KafkaSettings.PARTITIONS, "1", KafkaSettings.TOPIC_PREFIX, prefix,
        PublisherConfig.ARTIFACT_DIR, dir.resolve(prefix).resolve(name).toString(),
        PublisherConfig.CONTROLLER, "true", PublisherConfig.WAVES, "50%,100%",
        PublisherConfig.MIN_WAVE_DURATION, "1h", PublisherConfig.MIN_REPORTED, "0", PublisherConfig.MIN_LABELLED, "0"));
    env.putAll(extra);
    PublisherService p = PublisherService.start(TestPublishers.config(dir.resolve(prefix), env),
        Clock.offset(Clock.systemUTC(), skew));
    replicas.add(p);
    TestPublishers.await(name + " ready", WAIT, p::ready);
    return p;
  }

  void newTopics() {
    prefix = "sw" + (++prefixes);
  }

  Map<String, Object> producerProps() {
    Map<String, Object> p = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrapServers()));
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.MODEL_MAX_MESSAGE_BYTES);
    return p;
  }

  void publish(long version) throws Exception {
    try (var producer = new KafkaProducer<>(producerProps(), new StringSerializer(), new ByteArraySerializer())) {
      ModelVersion v = Students.version(MODEL, version, Students.random(784, 8, 10, version, version));
      producer.send(new ProducerRecord<>(prefix + ".student-models", MODEL, v.toByteArray())).get();
    }
  }

  void report(String device, long version, DeviceReport.Status status) throws Exception {
    try (var producer = new KafkaProducer<>(producerProps(), new StringSerializer(), new ByteArraySerializer())) {
      DeviceReport r = DeviceReport.newBuilder().setDeviceId(device).setModelName(MODEL).setInstalledVersion(version)
          .setStatus(status).setRolloutId(leader().view().rollout(MODEL).orElseThrow().getRolloutId())
          .setInferenceCount(100).build();
      producer.send(new ProducerRecord<>(prefix + ".device-reports", device, r.toByteArray())).get();
    }
  }

  static Rollout rollout(PublisherService p) {
    return p.view().rollout(MODEL).orElse(Rollout.getDefaultInstance());
  }

  PublisherService leader() throws InterruptedException {
    TestPublishers.await("a controller", WAIT, () -> replicas.stream().anyMatch(PublisherService::leading));
    List<PublisherService> leading = replicas.stream().filter(PublisherService::leading).toList();
    assertThat(leading).as("exactly one controller").hasSize(1);
    return leading.get(0);
  }

  PublisherService follower() throws InterruptedException {
    PublisherService l = leader();
    return replicas.stream().filter(p -> p != l).findFirst().orElseThrow();
  }

  /** Waits until every replica holds the same revision of the rollout, and returns it. */
  Rollout converged(String what, java.util.function.Predicate<Rollout> done) throws InterruptedException {
    TestPublishers.await(what + " on every replica", WAIT, () -> {
      Rollout first = rollout(replicas.get(0));
      return done.test(first) && replicas.stream().allMatch(p -> rollout(p).equals(first));
    });
    return rollout(replicas.get(0));
  }

  HttpResponse<String> post(PublisherService p, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(p.adminUri() + "/v1/admin/models/" + MODEL + path))
        .header("Authorization", "Bearer " + TestPublishers.ADMIN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonNode json(HttpResponse<String> r) throws Exception {
    return mapper.readTree(r.body());
  }

  @Test
  void operatorsCallsToAnyOfThreeSkewedReplicasAreAppliedByTheOneControllerAndAllConverge() throws Exception {
    newTopics();
    replica("a", Duration.ZERO, Map.of());
    replica("b", Duration.ofHours(-1), Map.of());
    replica("c", Duration.ofHours(1), Map.of());
    publish(1);
    Rollout started = converged("the rollout of version 1", r -> r.getTargetVersion() == 1 && r.getState() == State.ACTIVE);
    long revision = started.getRevision();
    assertThat(revision).isPositive();

    PublisherService behind = replicas.get(1) == leader() ? replicas.get(0) : replicas.get(1);
    HttpResponse<String> paused = post(behind, "/rollout/pause", "{\"reason\":\"looking\",\"expectedRevision\":" + revision + "}");
    assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
    assertThat(json(paused).get("state").asText()).isEqualTo("PAUSED");
    assertThat(json(paused).get("revision").asLong()).isEqualTo(revision + 1);
    assertThat(paused.headers().firstValue("ETag")).hasValue("\"" + (revision + 1) + "\"");
    assertThat(rollout(behind).getRevision()).as("the answering replica reads its own write").isEqualTo(revision + 1);
    converged("the pause", r -> r.getState() == State.PAUSED && r.getRevision() == revision + 1);

    HttpResponse<String> seen = http.send(HttpRequest.newBuilder(URI.create(follower().adminUri() + "/v1/admin/models/" + MODEL
        + "/rollout")).header("Authorization", "Bearer " + TestPublishers.ADMIN).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(seen.headers().firstValue("ETag")).hasValue("\"" + (revision + 1) + "\"");
    HttpResponse<String> stale = http.send(HttpRequest.newBuilder(URI.create(follower().adminUri() + "/v1/admin/models/" + MODEL
        + "/rollout/resume")).header("Authorization", "Bearer " + TestPublishers.ADMIN).header("If-Match", "\"" + revision + "\"")
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(stale.statusCode()).as(stale.body()).isEqualTo(409);
    assertThat(json(stale).get("code").asText()).isEqualTo("ROLLOUT_CONFLICT");
    assertThat(json(stale).get("revision").asLong()).isEqualTo(revision + 1);

    PublisherService ahead = replicas.get(2);
    HttpResponse<String> aborted = post(ahead, "/rollout/abort", "{}");
    assertThat(aborted.statusCode()).as(aborted.body()).isEqualTo(200);
    assertThat(json(aborted).get("state").asText()).isEqualTo("ABORTED");
    Rollout end = converged("the abort", r -> r.getState() == State.ABORTED);
    assertThat(end.getRevision()).isEqualTo(revision + 2);
    assertThat(replicas.stream().filter(PublisherService::leading)).hasSize(1);
  }

  @Test
  void whenTheControllerIsClosedMidWaveAnotherTakesOverAndTheRolloutCarriesOn() throws Exception {
    newTopics();
    Map<String, String> quick = Map.of(PublisherConfig.MIN_WAVE_DURATION, "1s");
    replica("a", Duration.ZERO, quick);
    // waves are timed by the controller's clock: a successor whose clock lags the wave's start
    // holds the wave that much longer (the safe direction), so here the lag is a few seconds
    replica("b", Duration.ofSeconds(-5), quick);
    TestPublishers.admin(replicas.get(0)).register("dev-1", MODEL);
    publish(1);
    Rollout wave1 = converged("the first wave", r -> r.getTargetVersion() == 1 && r.getState() == State.ACTIVE);
    assertThat(wave1.getCurrentWave()).isZero();

    PublisherService old = leader();
    old.close();
    replicas.remove(old);
    PublisherService successor = leader();
    assertThat(rollout(successor)).isEqualTo(wave1);

    report("dev-1", 1, DeviceReport.Status.RUNNING);
    Rollout done = converged("the rollout completed by the successor", r -> r.getState() == State.COMPLETED);
    assertThat(done.getRevision()).as("two wave verdicts after the first state").isEqualTo(wave1.getRevision() + 2);
    assertThat(done.getRolloutId()).isEqualTo(wave1.getRolloutId());
  }

  @Test
  void anAbortRacingAnAutomaticRollbackOnAReplicaWithALaggingClockIsNeverLost() throws Exception {
    // the issue: the controller's rollback, stamped by a clock an hour ahead, overwrote the abort
    // an operator got 200 for on another replica
    newTopics();
    replica("ahead", Duration.ofHours(1), Map.of(PublisherConfig.MIN_WAVE_DURATION, "0s"));
    replica("behind", Duration.ofHours(-1), Map.of(PublisherConfig.MIN_WAVE_DURATION, "0s"));
    TestPublishers.admin(replicas.get(0)).register("dev-1", MODEL);
    publish(1);
    converged("the rollout of version 1", r -> r.getTargetVersion() == 1 && r.getState() == State.ACTIVE);

    PublisherService notLeading = follower();
    CompletableFuture<HttpResponse<String>> abort = CompletableFuture.supplyAsync(() -> {
      try {
        return post(notLeading, "/rollout/abort", "{\"reason\":\"operator\"}");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    report("dev-1", 1, DeviceReport.Status.HEALTH_CHECK_FAILED);
    HttpResponse<String> answer = abort.get();
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(json(answer).get("state").asText()).isEqualTo("ABORTED");

    Rollout end = converged("the abort", r -> r.getState() == State.ABORTED);
    assertThat(end.getRevision()).isGreaterThanOrEqualTo(json(answer).get("revision").asLong());
    Thread.sleep(2_000); // several ticks of the controller: nothing undoes the abort
    assertThat(converged("the abort, still", r -> r.getState() == State.ABORTED)).isEqualTo(end);
    assertThat(end.getReason()).isEqualTo("operator");
  }

  @Test
  void withoutAControllerACallIsAnswered503AndItsCommandIsAppliedOnceOneRuns() throws Exception {
    newTopics();
    Map<String, String> candidate = Map.of(PublisherConfig.CONTROLLER, "true");
    PublisherService first = replica("first", Duration.ZERO, candidate);
    publish(1);
    converged("the rollout of version 1", r -> r.getTargetVersion() == 1 && r.getState() == State.ACTIVE);
    first.close();
    replicas.remove(first);

    PublisherService apiOnly = replica("api-only", Duration.ZERO,
        Map.of(PublisherConfig.CONTROLLER, "false", PublisherConfig.COMMAND_TIMEOUT, "2s"));
    HttpResponse<String> queued = post(apiOnly, "/rollout/pause", "{}");
    assertThat(queued.statusCode()).as(queued.body()).isEqualTo(503);
    assertThat(json(queued).get("message").asText()).contains("stays queued");
    assertThat(rollout(apiOnly).getState()).isEqualTo(State.ACTIVE);

    replica("second", Duration.ZERO, candidate);
    Rollout end = converged("the queued pause applied", r -> r.getState() == State.PAUSED);
    assertThat(end.getReason()).isEqualTo("paused by an operator");
  }

  @Test
  void aControllerFencedByAnotherProducerStopsActingAndAppliesTheCommandOnceItHasTakenOverAgain() throws Exception {
    newTopics();
    PublisherService only = replica("only", Duration.ZERO, Map.of());
    publish(1);
    Rollout started = converged("the rollout of version 1", r -> r.getTargetVersion() == 1 && r.getState() == State.ACTIVE);
    TestPublishers.await("a controller", WAIT, only::leading);

    // a zombie's view of things: another producer with the controller's transactional id
    Map<String, Object> p = producerProps();
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + ".edge-publisher.rollout-controller");
    try (var zombie = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      zombie.initTransactions(); // fences the controller's producer
      HttpResponse<String> paused = post(only, "/rollout/pause", "{}");
      assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
      assertThat(json(paused).get("revision").asLong()).isEqualTo(started.getRevision() + 1);
      // the fenced write failed, the replica took over again (fencing the zombie) and applied it once
      assertThatThrownBy(() -> {
        zombie.beginTransaction();
        zombie.send(new ProducerRecord<>(prefix + ".rollouts", MODEL,
            started.toBuilder().setState(State.COMPLETED).setRevision(started.getRevision() + 5).build().toByteArray()));
        zombie.commitTransaction();
      }).as("the zombie is fenced in turn").isInstanceOf(KafkaException.class);
    }
    Thread.sleep(1_000);
    assertThat(rollout(only).getState()).isEqualTo(State.PAUSED);
    assertThat(rollout(only).getRevision()).isEqualTo(started.getRevision() + 1);
  }
}
