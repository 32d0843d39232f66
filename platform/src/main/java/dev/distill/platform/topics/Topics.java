package dev.distill.platform.topics;

import dev.distill.contract.proto.AuditRecord;
import dev.distill.contract.proto.CandidateDecision;
import dev.distill.contract.proto.DeviceRecord;
import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.Rollout;
import dev.distill.contract.proto.RolloutCommandRecord;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.proto.TeacherRecord;
import dev.distill.contract.proto.TrainerCheckpoint;
import dev.distill.contract.wire.SoftTargets;
import dev.distill.contract.wire.TeacherRecords;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The topic catalog: every topic of the system, with its serdes and creation settings, under
 * one configurable prefix (default {@code distill}).
 */
public record Topics(
    Topic<String, Sample> samples,
    Topic<String, byte[]> samplesDlq,
    Topic<String, SoftTarget> softTargets,
    Topic<String, byte[]> softTargetsDlq,
    Topic<String, ModelVersion> studentModels,
    Topic<String, DeviceReport> deviceReports,
    Topic<String, Rollout> rollouts,
    Topic<String, RolloutCommandRecord> rolloutCommands,
    Topic<String, DeviceRecord> devices,
    Topic<String, ModelVersion> modelArchive,
    Topic<String, TrainerCheckpoint> trainerCheckpoints,
    Topic<String, TeacherRecord> teachers,
    Topic<String, AuditRecord> audit,
    Topic<String, CandidateDecision> candidates) {

  public static final String DEFAULT_PREFIX = "distill";
  /** Legal Kafka topic characters; the prefix is followed by a dot. */
  public static final Pattern PREFIX_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,200}");
  /**
   * Models travel inline (ONNX bytes): a 784-800-800-10 student is about 5 MB. A trainer
   * checkpoint holds the resume state (three times the model with Adam's moments) and the
   * published version's weights (and, with the qdelta variant, that lineage's newest artifact):
   * about five times the model; the trainer checks at start that its student fits. Producers must
   * allow as much.
   */
  public static final int MODEL_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
  /**
   * Teachers travel in chunks of {@link TeacherRecords#CHUNK_BYTES} (512 KiB): a chunk record,
   * with its key and fields, is larger than the producer's default batch and so makes a batch of
   * its own, which twice the chunk size holds with room to spare. Set on the topic so that a
   * cluster whose broker default is lower still takes the chunks.
   */
  public static final int TEACHER_MAX_MESSAGE_BYTES = 1024 * 1024;

  public static Topics defaults() {
    return withPrefix(DEFAULT_PREFIX, 4);
  }

  /**
   * @param dataPartitions partitions of the sample and soft-target topics: the teacher-scorer's
   *     parallelism
   */
  public static Topics withPrefix(String prefix, int dataPartitions) {
    if (!PREFIX_PATTERN.matcher(prefix).matches()) {
      throw new IllegalArgumentException("topic prefix '" + prefix + "' must match " + PREFIX_PATTERN);
    }
    var str = Serdes.String();
    var bytes = Serdes.ByteArray();
    Map<String, String> delete = Map.of("cleanup.policy", "delete");
    Map<String, String> compact =
        Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "60000");
    Map<String, String> compactModels = Map.of(
        "cleanup.policy", "compact",
        "min.compaction.lag.ms", "60000",
        "max.message.bytes", Integer.toString(MODEL_MAX_MESSAGE_BYTES));
    var modelSerde =
        new ProtoSerde<>(ModelVersion.getDescriptor().getFullName(), ModelVersion.parser(), m -> {});
    return new Topics(
        new Topic<>(prefix + ".samples", str, new SampleSerde(), dataPartitions, delete),
        new Topic<>(prefix + ".samples.dlq", str, bytes, 1, delete),
        new Topic<>(
            prefix + ".soft-targets",
            str,
            new ProtoSerde<>(SoftTargets.TYPE, SoftTarget.parser(), SoftTargets::validate),
            dataPartitions,
            delete),
        new Topic<>(prefix + ".soft-targets.dlq", str, bytes, 1, delete),
        new Topic<>(
            prefix + ".student-models",
            str,
            new ProtoSerde<>(ModelVersion.getDescriptor().getFullName(), ModelVersion.parser(), m -> {}),
            1,
            Map.of(
                "cleanup.policy", "compact",
                "min.compaction.lag.ms", "60000",
                "max.message.bytes", Integer.toString(MODEL_MAX_MESSAGE_BYTES))),
        new Topic<>(
            prefix + ".device-reports",
            str,
            new ProtoSerde<>(DeviceReport.getDescriptor().getFullName(), DeviceReport.parser(), r -> {}),
            dataPartitions,
            delete),
        new Topic<>(
            prefix + ".rollouts",
            str,
            new ProtoSerde<>(Rollout.getDescriptor().getFullName(), Rollout.parser(), r -> {}),
            1,
            compact),
        // operators' rollout commands from any publisher replica and the controller's outcomes.
        // One partition: it is the controller's lease (the member of the controller group that
        // holds it is the controller) and it keeps every command in one order. Not compacted:
        // commands are a queue, not state; a week, so that a command queued while no controller
        // runs is still applied when one starts
        new Topic<>(
            prefix + ".rollout-commands",
            str,
            new ProtoSerde<>(RolloutCommandRecord.getDescriptor().getFullName(), RolloutCommandRecord.parser(), c -> {}),
            1,
            Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(7L * 24 * 3600 * 1000))),
        // the edge-publisher's device registry (token hashes, not tokens)
        new Topic<>(
            prefix + ".devices",
            str,
            new ProtoSerde<>(DeviceRecord.getDescriptor().getFullName(), DeviceRecord.parser(), d -> {}),
            1,
            compact),
        // every published version, keyed model@version: student-models is compacted by model
        // name and so keeps only the latest, but devices may need to roll back to an older one
        new Topic<>(prefix + ".model-archive", str, modelSerde, 1, compactModels),
        new Topic<>(
            prefix + ".trainer-checkpoints",
            str,
            new ProtoSerde<>(TrainerCheckpoint.getDescriptor().getFullName(), TrainerCheckpoint.parser(), c -> {}),
            1,
            Map.of(
                "cleanup.policy", "compact",
                "min.compaction.lag.ms", "60000",
                "max.message.bytes", Integer.toString(MODEL_MAX_MESSAGE_BYTES))),
        // teachers in chunks, each version's commit last; one partition, so that order is total:
        // a commit is read after every chunk of its push
        new Topic<>(
            prefix + ".teachers",
            str,
            new ProtoSerde<>(TeacherRecords.TYPE, TeacherRecord.parser(), TeacherRecords::validate),
            1,
            Map.of(
                "cleanup.policy", "compact",
                "min.compaction.lag.ms", "60000",
                "max.message.bytes", Integer.toString(TEACHER_MAX_MESSAGE_BYTES))),
        // every operator action on the publisher's admin API, kept for a year
        new Topic<>(
            prefix + ".audit",
            str,
            new ProtoSerde<>(AuditRecord.getDescriptor().getFullName(), AuditRecord.parser(), a -> {}),
            1,
            Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(365L * 24 * 3600 * 1000))),
        // every candidate the trainers judged, published or not, with the gate's reason: a month
        new Topic<>(
            prefix + ".candidates",
            str,
            new ProtoSerde<>(CandidateDecision.getDescriptor().getFullName(), CandidateDecision.parser(), c -> {}),
            1,
            Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(30L * 24 * 3600 * 1000))));
  }

  public List<Topic<?, ?>> all() {
    return List.of(samples, samplesDlq, softTargets, softTargetsDlq, studentModels, deviceReports, rollouts,
        rolloutCommands, devices, modelArchive, trainerCheckpoints, teachers, audit, candidates);
  }
}
