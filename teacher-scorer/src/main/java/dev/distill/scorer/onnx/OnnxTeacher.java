package dev.distill.scorer.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherBatch;
import dev.distill.scorer.teacher.TeacherException;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A teacher version as ONNX Runtime sessions, one per ensemble member. Made by {@link OnnxTeacherLoader}. */
final class OnnxTeacher implements Teacher {
  private static final Logger log = LoggerFactory.getLogger(OnnxTeacher.class);
  /** Floor under a probability before its log: a zero would be an infinite logit. */
  private static final double MIN_PROBABILITY = 1e-30;

  /** One member model, checked against the version's manifest. */
  record Member(String name, OrtSession session) {}

  private final OrtEnvironment env;
  private final String id;
  private final int version;
  private final TeacherManifest manifest;
  private final List<Member> members;
  private final Set<String> outputs;
  /** An export without a dynamic batch axis takes one sample per run. */
  private final boolean oneAtATime;

  OnnxTeacher(OrtEnvironment env, String id, int version, TeacherManifest manifest, List<Member> members) {
    this.env = env;
    this.id = id;
    this.version = version;
    this.manifest = manifest;
    this.members = List.copyOf(members);
    this.outputs = Set.of(manifest.output().name());
    this.oneAtATime = manifest.inputs().stream()
        .anyMatch(i -> !i.spec().shape().isEmpty() && i.spec().shape().get(0).isFixed());
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public int version() {
    return version;
  }

  @Override
  public int ensembleSize() {
    return members.size();
  }

  @Override
  public TeacherManifest manifest() {
    return manifest;
  }

  @Override
  public float[][] logits(TeacherBatch batch) {
    if (!oneAtATime || batch.rows() == 1) {
      return run(batch);
    }
    int classes = numClasses();
    float[][] out = new float[members.size()][batch.rows() * classes];
    for (int r = 0; r < batch.rows(); r++) {
      float[][] one = run(row(batch, r));
      for (int m = 0; m < out.length; m++) {
        System.arraycopy(one[m], 0, out[m], r * classes, classes);
      }
    }
    return out;
  }

  private static TeacherBatch row(TeacherBatch batch, int r) {
    List<TeacherBatch.Input> inputs = new java.util.ArrayList<>();
    for (TeacherBatch.Input in : batch.inputs()) {
      long[] shape = in.shape().clone();
      shape[0] = 1;
      int per = (in.floats() != null ? in.floats().length : in.longs().length) / batch.rows();
      inputs.add(new TeacherBatch.Input(in.name(), shape,
          in.floats() == null ? null : java.util.Arrays.copyOfRange(in.floats(), r * per, (r + 1) * per),
          in.longs() == null ? null : java.util.Arrays.copyOfRange(in.longs(), r * per, (r + 1) * per)));
    }
    return new TeacherBatch(1, inputs);
  }

  private float[][] run(TeacherBatch batch) {
    int rows = batch.rows();
    int classes = numClasses();
    float[][] out = new float[members.size()][];
    Map<String, OnnxTensor> feed = new LinkedHashMap<>();
    try {
      for (int i = 0; i < batch.inputs().size(); i++) {
        feed.put(batch.inputs().get(i).name(),
            OrtTensors.create(env, manifest.inputs().get(i).spec().dtype(), batch.inputs().get(i)));
      }
      for (int m = 0; m < members.size(); m++) {
        try (OrtSession.Result r = members.get(m).session().run(feed, outputs)) {
          FloatBuffer values = ((OnnxTensor) r.get(0)).getFloatBuffer();
          float[] a = new float[rows * classes];
          values.get(a);
          if (manifest.output().kind() == TeacherManifest.OutputKind.PROBABILITIES) {
            for (int k = 0; k < a.length; k++) {
              a[k] = (float) Math.log(Math.max(a[k], MIN_PROBABILITY));
            }
          }
          out[m] = a;
        }
      }
    } catch (OrtException e) {
      throw new TeacherException("teacher " + id + " v" + version + " failed on a batch of " + rows + ": " + e.getMessage(), e);
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
    return out;
  }

  @Override
  public void close() {
    closeAll(members);
    log.info("teacher {} v{}: released its ONNX Runtime sessions", id, version);
  }

  static void closeAll(List<Member> members) {
    for (Member m : members) {
      try {
        m.session().close();
      } catch (OrtException e) {
        log.warn("closing the session of {} failed: {}", m.name(), e.getMessage());
      }
    }
  }

  @Override
  public String toString() {
    return "teacher " + id + " v" + version + " (" + members.size() + " member(s), " + manifest.inputs().stream()
        .map(i -> i.spec().toString()).toList() + " -> " + numClasses() + " classes)";
  }
}
