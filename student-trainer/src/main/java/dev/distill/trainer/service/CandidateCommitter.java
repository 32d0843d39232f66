package dev.distill.trainer.service;

import ai.onnxruntime.OrtException;
import com.google.protobuf.ByteString;
import dev.distill.contract.model.Variant;
import dev.distill.contract.proto.CandidateDecision;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.OffsetRange;
import dev.distill.contract.proto.TrainerCheckpoint;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.Topics;
import dev.distill.trainer.sign.ImageKey;
import dev.distill.trainer.stream.ResumeState;
import dev.distill.trainer.stream.StudentLearner;
import dev.distill.trainer.stream.Example;
import dev.distill.trainer.version.ModelVersions;
import dev.distill.trainer.version.VariantVersions;
import dev.distill.trainer.version.PromotionGate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a candidate in one transaction: the version (if the gate passed it, signed with the
 * trainer's image key when one is configured) and its variants, the gate's decision on the candidates topic
 * (published or not, with its reason), a checkpoint of the full resume state and of the
 * published version's weights, and the consumed offsets. The committed model state therefore
 * always matches the committed offsets: a crash anywhere loses no sample and trains none twice,
 * and a console reading the candidates topic read_committed sees exactly the decisions whose
 * versions and checkpoints were committed, each once.
 */
final class CandidateCommitter {
  private static final Logger log = LoggerFactory.getLogger(CandidateCommitter.class);

  /**
   * The committed state of the model.
   *
   * @param publishedMetrics what the published version measured when it was published
   * @param publishedWeights the published version's weights (empty when none is published): the
   *     versions themselves no longer carry them, so every checkpoint carries them forward
   * @param qdeltaOnnx the qdelta lineage's newest artifact, which the next qdelta version updates;
   *     made on the commit thread, so complete once the commit has settled
   */
  record Committed(long publishedVersion, long samplesTrained, long rejectedTotal,
      Map<String, Double> publishedMetrics, ByteString publishedWeights, CompletableFuture<ByteString> qdeltaOnnx) {
    static final Committed NONE = new Committed(0, 0, 0, Map.of(), ByteString.EMPTY,
        CompletableFuture.completedFuture(ByteString.EMPTY));

    static Committed of(TrainerCheckpoint c) {
      return new Committed(c.getPublishedVersion(), c.getSamplesTrained(), c.getCandidatesRejected(),
          Map.copyOf(c.getPublishedMetricsMap()), c.getPublishedWeights(),
          CompletableFuture.completedFuture(c.getQdeltaPublishedOnnx()));
    }
  }

  /**
   * A candidate and what was decided about it.
   *
   * @param validation the slice it was judged on, where its variants are measured
   */
  record Candidate(PromotionGate.Decision decision, Map<String, Double> metrics, long samplesTrained,
      List<OffsetRange> ranges, Intake.Teacher teacher, Instant at, List<Example> validation) {}

  /**
   * Fails when this trainer's checkpoints could not be written: a checkpoint carries the resume
   * state (the weights and the optimizer's state), the published version's weights and, when the
   * trainer publishes qdelta, that lineage's newest artifact (the weights again, as ONNX), all in
   * one record of at most {@link Topics#MODEL_MAX_MESSAGE_BYTES}. Checked at start, so that a
   * student too large for it says so at once instead of at its first commit.
   *
   * @param resumeBytes the size of the learner's resume state
   * @param weightsBytes the size of its weights alone ({@link ResumeState#weightsOnly})
   */
  static void checkFits(TrainerSettings settings, long resumeBytes, long weightsBytes) {
    boolean qdelta = settings.variants().variants().contains(Variant.QDELTA);
    long estimate = resumeBytes + weightsBytes + (qdelta ? weightsBytes : 0) + CHECKPOINT_SLACK_BYTES;
    if (estimate > Topics.MODEL_MAX_MESSAGE_BYTES) {
      throw new IllegalStateException(String.format(Locale.ROOT,
          "student %s is too large for its checkpoint: about %,d bytes%s, and a record holds at most %,d; "
              + "use a smaller student%s", settings.architecture().spec(), estimate,
          qdelta ? " with the qdelta variant's artifact" : "", Topics.MODEL_MAX_MESSAGE_BYTES,
          qdelta ? " or leave qdelta out of DISTILL_TRAINER_VARIANTS" : ""));
    }
  }

  /** Offsets, metrics and the record's own framing: far less than this. */
  static final long CHECKPOINT_SLACK_BYTES = 1L << 20;

  private final TrainerSettings settings;
  private final Topics topics;
  private final Outbox outbox;

  CandidateCommitter(TrainerSettings settings, Outbox outbox) {
    this.settings = settings;
    this.topics = settings.kafka().topics();
    this.outbox = outbox;
  }

  /**
   * Sends the version (when published), the decision and the checkpoint, and starts committing
   * them with {@code offsets} ({@link Outbox#commit}: training goes on while it commits).
   *
   * @param resume the learner's resume state now
   * @return the committed state once that commit has settled ({@link Outbox#settled})
   */
  Committed commit(Committed before, StudentLearner learner, byte[] resume, Candidate c,
      Map<TopicPartition, Long> offsets) {
    boolean publish = c.decision().publish();
    long version = publish ? before.publishedVersion() + 1 : before.publishedVersion();
    Map<String, Double> publishedMetrics = publish ? c.metrics() : before.publishedMetrics();
    ByteString publishedWeights = publish ? ByteString.copyFrom(ResumeState.fromBytes(resume).weightsOnly().toBytes())
        : before.publishedWeights();
    send(topics.candidates(), decision(settings.modelName(), settings.consumerGroup(), c,
        publish ? version : 0, before.publishedVersion()));
    long rejected = before.rejectedTotal() + (c.decision().verdict() == PromotionGate.Verdict.REJECT ? 1 : 0);
    TrainerCheckpoint.Builder checkpoint = TrainerCheckpoint.newBuilder()
        .setModelName(settings.modelName())
        .setPublishedVersion(version)
        .setSamplesTrained(c.samplesTrained())
        .addAllOffsets(c.ranges())
        .setResumeState(ByteString.copyFrom(resume))
        .putAllPublishedMetrics(publishedMetrics)
        .setPublishedWeights(publishedWeights)
        .setCreatedAtMs(c.at().toEpochMilli())
        .setCandidatesRejected(rejected)
        .setArchitecture(settings.architecture().spec())
        // a trainer no longer publishing qdelta drops its base: a later one starts the lineage afresh
        .setQdeltaPublishedOnnx(settings.variants().variants().contains(Variant.QDELTA) ? before.qdeltaOnnx().join()
            : ByteString.EMPTY);
    CompletableFuture<ByteString> qdelta = new CompletableFuture<>();
    if (!publish) {
      send(topics.trainerCheckpoints(), checkpoint.build());
      qdelta.complete(checkpoint.getQdeltaPublishedOnnx());
      outbox.commit(offsets);
    } else {
      ModelVersion mv = ModelVersions.build(learner.network(), new ModelVersions.Lineage(settings.modelName(),
          version, before.publishedVersion(), c.teacher().id(), c.teacher().version(), c.teacher().temperature(),
          settings.alpha(), c.ranges(), c.samplesTrained(), c.metrics(), labels(learner, c.decision())), c.at());
      List<Example> validation = List.copyOf(c.validation());
      // the variants are made and measured on the commit thread, while training goes on: the
      // network is exported above, and what follows reads only the bytes and this copy of the slice
      outbox.commit(offsets, () -> {
        VariantVersions.Published all = variants(mv, checkpoint.getQdeltaPublishedOnnx(), validation);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(record(topics.studentModels(), signed(all.fp32()), settings.modelName()));
        for (ModelVersion variant : all.variants()) {
          records.add(record(topics.studentModels(), signed(variant), variant.getModelName()));
        }
        if (!all.qdeltaOnnx().isEmpty()) {
          checkpoint.setQdeltaPublishedOnnx(all.qdeltaOnnx());
        }
        records.add(record(topics.trainerCheckpoints(), checkpoint.build(), settings.modelName()));
        qdelta.complete(checkpoint.getQdeltaPublishedOnnx());
        return records;
      });
    }
    return new Committed(version, c.samplesTrained(), rejected, publishedMetrics, publishedWeights, qdelta);
  }

  /**
   * The version's variants. A variant that cannot be made or measured (ONNX Runtime refuses the
   * artifact) costs the variants of this version, not the fp32 version or the commit: the
   * trainer logs why and the variant lineages skip this number.
   */
  private VariantVersions.Published variants(ModelVersion fp32, ByteString qdeltaBase, List<Example> validation) {
    try {
      return VariantVersions.build(settings.variants(), fp32, qdeltaBase, settings.inputs(), validation);
    } catch (OrtException | RuntimeException e) {
      log.warn("model {} v{}: no variants published with this version: {}", fp32.getModelName(), fp32.getVersion(),
          e.toString());
      return new VariantVersions.Published(fp32, List.of(), ByteString.EMPTY);
    }
  }

  private ModelVersion signed(ModelVersion v) {
    return settings.images().isPresent() ? ImageKey.sign(v, settings.images().get()) : v;
  }

  /**
   * The gate's decision on a candidate as the console shows it.
   *
   * @param trainer          the trainer that judged it: its consumer group, which is configurable
   *                         and names the model's trainer across restarts
   * @param publishedVersion the version it was published as; 0 when it was not
   * @param parentVersion    the published version it was trained on top of and compared with; 0
   *                         when none
   */
  static CandidateDecision decision(String modelName, String trainer, Candidate c, long publishedVersion,
      long parentVersion) {
    return CandidateDecision.newBuilder()
        .setModelName(modelName)
        .setDecidedAtMs(c.at().toEpochMilli())
        .setVerdict(switch (c.decision().verdict()) {
          case PUBLISH -> CandidateDecision.Verdict.PUBLISH;
          case REJECT -> CandidateDecision.Verdict.REJECT;
          case NOT_JUDGED -> CandidateDecision.Verdict.NOT_JUDGED;
        })
        .setReason(c.decision().reason())
        .setPublishedVersion(publishedVersion)
        .setParentVersion(parentVersion)
        .putAllMetrics(c.metrics())
        .setSamplesSeen(c.samplesTrained())
        .setTrainer(trainer)
        .build();
  }

  /** Sends within the open transaction, keyed by the model's name. */
  private <V> void send(Topic<String, V> topic, V value) {
    outbox.send(record(topic, value, settings.modelName()));
  }

  private static <V> ProducerRecord<String, byte[]> record(Topic<String, V> topic, V value, String key) {
    return new ProducerRecord<>(topic.name(), key, topic.valueSerde().serializer().serialize(topic.name(), value));
  }

  private Map<String, String> labels(StudentLearner learner, PromotionGate.Decision decision) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("engine", learner.engine().engineName());
    labels.put("device", learner.engine().device().toString());
    labels.put("batch_size", Integer.toString(settings.batchSize()));
    labels.put("optimizer", settings.optimizer().name().toLowerCase(Locale.ROOT));
    labels.put("learning_rate", Float.toString(settings.learningRate().base()));
    labels.put("optimizer_steps", Long.toString(learner.optimizerSteps()));
    labels.put("validation_fraction", Double.toString(settings.validation().fraction()));
    labels.put("gate", decision.reason());
    return labels;
  }
}
