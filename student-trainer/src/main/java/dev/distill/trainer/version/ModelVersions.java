package dev.distill.trainer.version;

import com.google.protobuf.ByteString;
import dev.distill.contract.proto.ModelVersion;
import dev.distill.contract.proto.OffsetRange;
import dev.distill.trainer.export.OnnxExport;
import dev.distill.trainer.export.Provenance;
import dev.distill.trainer.model.Network;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Builds the {@link ModelVersion} a student is published as: its ONNX bytes and its provenance. */
public final class ModelVersions {
  public static final String FORMAT = "onnx";

  private ModelVersions() {}

  /** What a version learned from and how it did. */
  public record Lineage(String modelName, long version, long parentVersion, String teacherId, String teacherVersion,
      float temperature, float alpha, List<OffsetRange> offsets, long samplesSeen, Map<String, Double> metrics,
      Map<String, String> labels) {}

  /** The version without the trainer's resume state: that stays in the trainer's own checkpoint. */
  public static ModelVersion build(Network network, Lineage l, Instant createdAt) {
    byte[] onnx = OnnxExport.toOnnx(network, Provenance.student(l.modelName(), l.version(), createdAt)
        .distilledFrom(l.teacherId(), l.teacherVersion(), l.temperature(), l.alpha())
        .dataRange(describe(l.offsets())));
    return ModelVersion.newBuilder()
        .setModelName(l.modelName())
        .setVersion(l.version())
        .setParentVersion(l.parentVersion())
        .setCreatedAtMs(createdAt.toEpochMilli())
        .setTeacherId(l.teacherId())
        .setTeacherVersion(l.teacherVersion())
        .setTemperature(l.temperature())
        .setAlpha(l.alpha())
        .setArchitecture(network.architecture().spec())
        .addAllOffsets(l.offsets())
        .setSamplesSeen(l.samplesSeen())
        .putAllMetrics(l.metrics())
        .setFormat(FORMAT)
        .setSha256(sha256(onnx))
        .setSizeBytes(onnx.length)
        .setOnnx(ByteString.copyFrom(onnx))
        .putAllLabels(l.labels())
        .build();
  }

  /** E.g. {@code distill.soft-targets-0:[0,14999] distill.soft-targets-1:[0,15000]}. */
  public static String describe(List<OffsetRange> offsets) {
    return offsets.stream()
        .map(r -> r.getTopic() + "-" + r.getPartition() + ":[" + r.getFirstOffset() + "," + r.getLastOffset() + "]")
        .collect(Collectors.joining(" "));
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
