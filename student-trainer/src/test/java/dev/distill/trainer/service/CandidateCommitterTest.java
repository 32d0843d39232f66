package dev.distill.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.distill.contract.proto.CandidateDecision;
import dev.distill.contract.proto.TrainerCheckpoint;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.topics.Topics;
import dev.distill.trainer.version.PromotionGate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every candidate the gate judges leaves one decision on the candidates topic, committed in the
 * transaction of its checkpoint and offsets (a console reading read_committed sees it exactly when
 * the state it describes is committed). Versions that are published need a trained network and
 * are covered on a real broker by {@link TrainerServiceIT}.
 */
class CandidateCommitterTest {
  private static final Instant AT = Instant.parse("2026-12-03T10:15:30Z");
  private static final TopicPartition SOFT_TARGETS = new TopicPartition("distill.soft-targets", 0);

  private final TrainerSettings settings = TrainerSettings.read(ConfigReader.from(Map.of(
      "DISTILL_TRAINER_MODEL_NAME", "digits", "DISTILL_TRAINER_CONSUMER_GROUP", "trainer-a")));
  private final Topics topics = settings.kafka().topics();
  private final MockProducer<String, byte[]> producer =
      new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
  private final Outbox outbox = new Outbox(producer, settings.consumerGroup(), settings.modelName());
  private final CandidateCommitter committer = new CandidateCommitter(settings, outbox);
  /** v3 is published, trained on 1,000 samples. */
  private final CandidateCommitter.Committed before = new CandidateCommitter.Committed(3, 1_000, 2,
      Map.of(PromotionGate.ACCURACY, 0.91), ByteString.copyFromUtf8("v3 weights"),
      java.util.concurrent.CompletableFuture.completedFuture(ByteString.EMPTY));

  @AfterEach
  void close() {
    outbox.close();
  }

  @Test
  void aRejectedCandidatesDecisionCarriesTheGatesReasonInTheTransactionOfItsCheckpoint() throws Exception {
    producer.initTransactions();
    String reason = "validation_accuracy 0.8000 is worse than the published 0.9100 by more than 0.0050 on 300 "
        + "validation examples, 280 labelled";
    Map<String, Double> metrics = Map.of(PromotionGate.ACCURACY, 0.8, PromotionGate.EXAMPLES, 300.0);

    CandidateCommitter.Committed after = commit(PromotionGate.Decision.reject(reason), metrics, 1_800);

    assertThat(producer.commitCount()).isEqualTo(1);
    assertThat(producer.uncommittedRecords()).isEmpty();
    assertThat(producer.consumerGroupOffsetsHistory())
        .containsExactly(Map.of("trainer-a", Map.of(SOFT_TARGETS, new OffsetAndMetadata(42))));
    List<ProducerRecord<String, byte[]>> sent = producer.history();
    assertThat(sent).extracting(ProducerRecord::topic)
        .as("no version, one decision and the checkpoint, all in the one committed transaction")
        .containsExactlyInAnyOrder(topics.candidates().name(), topics.trainerCheckpoints().name());
    assertThat(sent).extracting(ProducerRecord::key).containsOnly("digits");
    CandidateDecision d = decision(sent);
    assertThat(d.getVerdict()).isEqualTo(CandidateDecision.Verdict.REJECT);
    assertThat(d.getReason()).isEqualTo(reason);
    assertThat(d.getPublishedVersion()).isZero();
    assertThat(d.getParentVersion()).as("compared with the published v3").isEqualTo(3);
    assertThat(d.getMetricsMap()).isEqualTo(metrics);
    assertThat(d.getSamplesSeen()).isEqualTo(1_800);
    assertThat(d.getDecidedAtMs()).isEqualTo(AT.toEpochMilli());
    assertThat(d.getTrainer()).isEqualTo("trainer-a");
    assertThat(d.getModelName()).isEqualTo("digits");
    TrainerCheckpoint checkpoint = TrainerCheckpoint.parseFrom(sent.stream()
        .filter(r -> r.topic().equals(topics.trainerCheckpoints().name())).findFirst().orElseThrow().value());
    assertThat(checkpoint.getPublishedVersion()).isEqualTo(after.publishedVersion()).isEqualTo(3);
    assertThat(checkpoint.getCandidatesRejected()).isEqualTo(3);
  }

  @Test
  void aCandidateTheSliceCannotJudgeYetIsRecordedAsNotJudgedWithWhy() throws Exception {
    producer.initTransactions();
    PromotionGate.Decision notJudged = new PromotionGate(0.005, 200, 100)
        .decide(Map.of(PromotionGate.EXAMPLES, 40.0), Map.of());

    commit(notJudged, Map.of(PromotionGate.EXAMPLES, 40.0), 1_200);

    CandidateDecision d = decision(producer.history());
    assertThat(d.getVerdict()).isEqualTo(CandidateDecision.Verdict.NOT_JUDGED);
    assertThat(d.getReason()).isEqualTo(notJudged.reason()).contains("not judged", "40 of the 200");
    assertThat(d.getPublishedVersion()).isZero();
    assertThat(d.getParentVersion()).isEqualTo(3);
  }

  @Test
  void aDecisionAfterDeadLettersGoesIntoTheTransactionAlreadyOpen() {
    producer.initTransactions();
    outbox.send(new ProducerRecord<>(topics.softTargetsDlq().name(), "s-7", new byte[] {1}));

    commit(PromotionGate.Decision.reject("the weights diverged (NaN or infinite)"), Map.of(), 1_100);

    assertThat(producer.commitCount()).isEqualTo(1);
    assertThat(producer.history()).extracting(ProducerRecord::topic).containsExactlyInAnyOrder(
        topics.softTargetsDlq().name(), topics.candidates().name(), topics.trainerCheckpoints().name());
  }

  @Test
  void aPublishedCandidateNamesTheVersionItBecameAndTheOneItWasComparedWith() {
    PromotionGate.Decision publish = new PromotionGate.Decision(PromotionGate.Verdict.PUBLISH,
        "validation_accuracy 0.9200 vs 0.9100 published (margin 0.0050) on 300 validation examples, 280 labelled");
    CandidateCommitter.Candidate c = candidate(publish, Map.of(PromotionGate.ACCURACY, 0.92), 2_000);

    CandidateDecision d = CandidateCommitter.decision("digits", "trainer-a", c, 4, 3);

    assertThat(d.getVerdict()).isEqualTo(CandidateDecision.Verdict.PUBLISH);
    assertThat(d.getPublishedVersion()).isEqualTo(4);
    assertThat(d.getParentVersion()).isEqualTo(3);
    assertThat(d.getReason()).isEqualTo(publish.reason());
  }

  @Test
  void aTrainerThatNoLongerPublishesQdeltaDropsTheLineagesBaseFromItsCheckpoint() throws Exception {
    TrainerSettings fp32Only = TrainerSettings.read(ConfigReader.from(Map.of("DISTILL_TRAINER_MODEL_NAME", "digits",
        "DISTILL_TRAINER_CONSUMER_GROUP", "trainer-a", "DISTILL_TRAINER_VARIANTS", TrainerSettings.NO_VARIANTS)));
    CandidateCommitter.Committed withBase = new CandidateCommitter.Committed(3, 1_000, 2, Map.of(),
        ByteString.copyFromUtf8("v3 weights"),
        java.util.concurrent.CompletableFuture.completedFuture(ByteString.copyFromUtf8("qdelta v3 onnx")));
    producer.initTransactions();
    for (TrainerSettings s : List.of(settings, fp32Only)) {
      new CandidateCommitter(s, outbox).commit(withBase, null, new byte[] {9},
          candidate(PromotionGate.Decision.reject("worse"), Map.of(), 1_100), Map.of(SOFT_TARGETS, 42L));
      assertThat(outbox.settled(true)).isTrue();
    }

    List<TrainerCheckpoint> checkpoints = producer.history().stream()
        .filter(r -> r.topic().equals(topics.trainerCheckpoints().name()))
        .map(r -> {
          try {
            return TrainerCheckpoint.parseFrom(r.value());
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
          }
        }).toList();
    assertThat(checkpoints).extracting(c -> c.getQdeltaPublishedOnnx().toStringUtf8())
        .as("carried forward while qdelta is published, dropped once it is not").containsExactly("qdelta v3 onnx", "");
  }

  @Test
  void aStudentWhoseCheckpointWouldNotFitARecordIsRefusedAtStartWithWhatToDo() {
    long max = Topics.MODEL_MAX_MESSAGE_BYTES;
    long weights = 13L << 20; // 13 MiB of weights, 39 MiB of resume state with Adam's moments
    TrainerSettings withoutQdelta = TrainerSettings.read(ConfigReader.from(Map.of("DISTILL_TRAINER_MODEL_NAME", "digits",
        "DISTILL_TRAINER_VARIANTS", "fp16,int8")));

    CandidateCommitter.checkFits(withoutQdelta, 3 * weights, weights); // 52 MiB and a little: fits
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CandidateCommitter.checkFits(settings, 3 * weights, weights))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("too large for its checkpoint")
        .hasMessageContaining(String.format(java.util.Locale.ROOT, "%,d", max))
        .hasMessageContaining("leave qdelta out of DISTILL_TRAINER_VARIANTS");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CandidateCommitter.checkFits(withoutQdelta, 4 * weights, weights))
        .hasMessageContaining("use a smaller student").hasMessageNotContaining("qdelta");
  }

  /** Commits a candidate that needs no network (it is not published) and waits for the commit to settle. */
  private CandidateCommitter.Committed commit(PromotionGate.Decision decision, Map<String, Double> metrics,
      long samples) {
    CandidateCommitter.Committed after = committer.commit(before, null, new byte[] {9}, candidate(decision, metrics,
        samples), Map.of(SOFT_TARGETS, 42L));
    assertThat(outbox.settled(true)).isTrue();
    return after;
  }

  private static CandidateCommitter.Candidate candidate(PromotionGate.Decision decision, Map<String, Double> metrics,
      long samples) {
    return new CandidateCommitter.Candidate(decision, metrics, samples, List.of(),
        new Intake.Teacher("teacher", "1", 4f), AT, List.of());
  }

  private CandidateDecision decision(List<ProducerRecord<String, byte[]>> sent) throws Exception {
    List<ProducerRecord<String, byte[]>> decisions =
        sent.stream().filter(r -> r.topic().equals(topics.candidates().name())).toList();
    assertThat(decisions).as("one decision per candidate").hasSize(1);
    return topics.candidates().valueSerde().deserializer().deserialize(topics.candidates().name(),
        decisions.get(0).value());
  }
}
