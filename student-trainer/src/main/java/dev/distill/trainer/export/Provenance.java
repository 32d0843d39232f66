package dev.distill.trainer.export;

import static dev.distill.contract.model.ModelInterface.META_ALPHA;
import static dev.distill.contract.model.ModelInterface.META_CREATED_AT;
import static dev.distill.contract.model.ModelInterface.META_DATASET;
import static dev.distill.contract.model.ModelInterface.META_DATA_RANGE;
import static dev.distill.contract.model.ModelInterface.META_KIND;
import static dev.distill.contract.model.ModelInterface.META_MODEL_ID;
import static dev.distill.contract.model.ModelInterface.META_PREFIX;
import static dev.distill.contract.model.ModelInterface.META_TEACHER_ID;
import static dev.distill.contract.model.ModelInterface.META_TEACHER_VERSION;
import static dev.distill.contract.model.ModelInterface.META_TEMPERATURE;
import static dev.distill.contract.model.ModelInterface.META_VERSION;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a model came from, as the ONNX metadata entries of {@link
 * dev.distill.contract.model.ModelInterface}: what it is (teacher or student, id, version,
 * when), and what it learned from (data set, data range, and for a student the teacher,
 * temperature and alpha). Immutable: each method returns a copy with one more fact.
 */
public final class Provenance {
  public static final String TEACHER = "teacher";
  public static final String STUDENT = "student";

  private final Map<String, String> entries;

  private Provenance(Map<String, String> entries) {
    this.entries = Collections.unmodifiableMap(entries);
  }

  /** A teacher model: version is the teacher store's version number. */
  public static Provenance teacher(String modelId, long version, Instant createdAt) {
    return of(TEACHER, modelId, version, createdAt);
  }

  /** A student model: version is the {@code ModelVersion.version} it is published as. */
  public static Provenance student(String modelId, long version, Instant createdAt) {
    return of(STUDENT, modelId, version, createdAt);
  }

  private static Provenance of(String kind, String modelId, long version, Instant createdAt) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(META_KIND, kind);
    m.put(META_MODEL_ID, modelId);
    m.put(META_VERSION, Long.toString(version));
    m.put(META_CREATED_AT, createdAt.toString());
    return new Provenance(m);
  }

  /** The data set's command-line name, e.g. {@code mnist}. */
  public Provenance dataset(String dataset) {
    return with(META_DATASET, dataset);
  }

  /** The teacher a student learned from, and the distillation's temperature and soft-loss weight. */
  public Provenance distilledFrom(String teacherId, String teacherVersion, float temperature, float alpha) {
    return with(META_TEACHER_ID, teacherId).with(META_TEACHER_VERSION, teacherVersion)
        .with(META_TEMPERATURE, Float.toString(temperature)).with(META_ALPHA, Float.toString(alpha));
  }

  /** The data seen, e.g. {@code mnist/train[0,60000)} or Kafka offsets {@code distill.soft-targets-0:[0,5120)}. */
  public Provenance dataRange(String range) {
    return with(META_DATA_RANGE, range);
  }

  /**
   * Any further fact under the {@code distill.} prefix, e.g. {@code with("distill.member", "2/5")}.
   *
   * @throws IllegalArgumentException for a key outside the prefix, which would read as someone else's
   */
  public Provenance with(String key, String value) {
    if (!key.startsWith(META_PREFIX)) {
      throw new IllegalArgumentException("metadata key '" + key + "' must start with " + META_PREFIX);
    }
    Map<String, String> m = new LinkedHashMap<>(entries);
    m.put(key, value);
    return new Provenance(m);
  }

  /** The metadata entries, in the order they were given. */
  public Map<String, String> entries() {
    return entries;
  }

  @Override
  public String toString() {
    return entries.toString();
  }
}
