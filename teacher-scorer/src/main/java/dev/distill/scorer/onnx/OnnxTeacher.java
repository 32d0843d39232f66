package dev.distill.scorer.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.model.ModelInterface;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherException;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A teacher version as ONNX Runtime sessions, one per ensemble member. Made by {@link OnnxTeacherLoader}. */
final class OnnxTeacher implements Teacher {
  private static final Logger log = LoggerFactory.getLogger(OnnxTeacher.class);
  private static final Set<String> OUTPUTS = Set.of(ModelInterface.OUTPUT);

  /** One member model, checked to follow {@link ModelInterface}. */
  record Member(String name, OrtSession session, int inputSize, int numClasses) {}

  private final OrtEnvironment env;
  private final String id;
  private final int version;
  private final List<Member> members;
  private final int inputSize;
  private final int numClasses;

  OnnxTeacher(OrtEnvironment env, String id, int version, List<Member> members) {
    this.env = env;
    this.id = id;
    this.version = version;
    this.members = List.copyOf(members);
    this.inputSize = members.get(0).inputSize();
    this.numClasses = members.get(0).numClasses();
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
  public int inputSize() {
    return inputSize;
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public float[][] logits(FloatBuffer batch, int rows) {
    FloatBuffer view = batch.duplicate();
    view.position(0).limit(rows * inputSize);
    float[][] out = new float[members.size()][];
    try (OnnxTensor input = OnnxTensor.createTensor(env, view, new long[] {rows, inputSize})) {
      Map<String, OnnxTensor> feed = Map.of(ModelInterface.INPUT, input);
      for (int m = 0; m < members.size(); m++) {
        try (OrtSession.Result r = members.get(m).session().run(feed, OUTPUTS)) {
          FloatBuffer logits = ((OnnxTensor) r.get(0)).getFloatBuffer();
          float[] a = new float[rows * numClasses];
          logits.get(a);
          out[m] = a;
        }
      }
    } catch (OrtException e) {
      throw new TeacherException("teacher " + id + " v" + version + " failed on a batch of " + rows + ": " + e.getMessage(), e);
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
    return "teacher " + id + " v" + version + " (" + members.size() + " member(s), " + inputSize + " -> " + numClasses + ")";
  }
}
