package dev.distill.scorer.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherLoadException;
import dev.distill.scorer.teacher.TeacherLoader;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads teacher versions into ONNX Runtime with an explicit thread budget: {@code intraOpThreads}
 * per session, inter-op 1 (an MLP or a small CNN has no parallel branches; on 2 cores more threads
 * than cores cut throughput by an order of magnitude), and whether idle intra-op threads spin-wait
 * for the next run (quicker back-to-back runs) or sleep (leaving the CPU to the Kafka clients and,
 * in the demo, the broker). The execution provider is decided once, when the loader is made, and
 * said once in the log.
 *
 * <p>Every member is checked against {@link ModelInterface} before a version is used: a float
 * input {@code pixels [N, D]} with a fixed D, an output {@code logits [N, C]}, and one probe run;
 * members must agree on D and C.
 */
public final class OnnxTeacherLoader implements TeacherLoader {
  private static final Logger log = LoggerFactory.getLogger(OnnxTeacherLoader.class);

  private final OrtEnvironment env;
  private final int intraOpThreads;
  private final boolean spinning;
  private final ExecutionProvider active;

  /** With ONNX Runtime's default spin-waiting. */
  public OnnxTeacherLoader(int intraOpThreads, ExecutionProvider requested) {
    this(intraOpThreads, true, requested);
  }

  public OnnxTeacherLoader(int intraOpThreads, boolean spinning, ExecutionProvider requested) {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intra-op threads must be >= 1, got " + intraOpThreads);
    }
    this.env = OrtEnvironment.getEnvironment();
    this.intraOpThreads = intraOpThreads;
    this.spinning = spinning;
    this.active = resolve(requested);
  }

  /** CPU or CUDA: what sessions of this loader run on. */
  public ExecutionProvider active() {
    return active;
  }

  private ExecutionProvider resolve(ExecutionProvider requested) {
    String budget = intraOpThreads + " intra-op thread(s)" + (spinning ? " spinning" : " not spinning") + ", 1 inter-op";
    if (requested == ExecutionProvider.CPU) {
      log.info("ONNX Runtime {}: CPU execution provider, as configured ({})", env.getVersion(), budget);
      return ExecutionProvider.CPU;
    }
    String why;
    if (OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      try (OrtSession.SessionOptions probe = new OrtSession.SessionOptions()) {
        probe.addCUDA(0);
        log.info("ONNX Runtime {}: CUDA execution provider on device 0 ({})", env.getVersion(), budget);
        return ExecutionProvider.CUDA;
      } catch (OrtException e) {
        why = "CUDA cannot start: " + e.getMessage();
      }
    } else {
      why = "this ONNX Runtime build has no CUDA provider";
    }
    if (requested == ExecutionProvider.CUDA) {
      log.warn("ONNX Runtime {}: CPU execution provider, although CUDA was configured ({}; {})",
          env.getVersion(), why, budget);
    } else {
      log.info("ONNX Runtime {}: CPU execution provider ({}; {})", env.getVersion(), why, budget);
    }
    return ExecutionProvider.CPU;
  }

  @Override
  public Teacher load(TeacherVersion version) throws TeacherLoadException {
    List<OnnxTeacher.Member> members = new ArrayList<>();
    try {
      for (Path file : version.members()) {
        members.add(open(file));
      }
      OnnxTeacher.Member first = members.get(0);
      for (OnnxTeacher.Member m : members) {
        if (m.inputSize() != first.inputSize() || m.numClasses() != first.numClasses()) {
          throw new TeacherLoadException("ensemble members must agree on input size and classes: "
              + first.name() + " maps " + first.inputSize() + " features to " + first.numClasses() + " classes, "
              + m.name() + " maps " + m.inputSize() + " to " + m.numClasses());
        }
      }
      OnnxTeacher teacher = new OnnxTeacher(env, version.teacherId(), version.version(), members);
      log.info("loaded {} from {} on {}", teacher, version.dir(), active);
      return teacher;
    } catch (TeacherLoadException | RuntimeException e) {
      OnnxTeacher.closeAll(members);
      throw e;
    }
  }

  private OnnxTeacher.Member open(Path file) throws TeacherLoadException {
    String name = file.getFileName().toString();
    OrtSession session;
    try (OrtSession.SessionOptions options = sessionOptions()) {
      session = env.createSession(file.toString(), options);
    } catch (OrtException e) {
      throw new TeacherLoadException(name + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
    }
    try {
      int inputSize = (int) featureDimension(name, session.getInputInfo(), ModelInterface.INPUT, true);
      featureDimension(name, session.getOutputInfo(), ModelInterface.OUTPUT, false);
      int classes = probe(name, session, inputSize);
      return new OnnxTeacher.Member(name, session, inputSize, classes);
    } catch (OrtException e) {
      closeQuietly(session);
      throw new TeacherLoadException(name + ": " + e.getMessage(), e);
    } catch (TeacherLoadException | RuntimeException e) {
      closeQuietly(session);
      throw e;
    }
  }

  private OrtSession.SessionOptions sessionOptions() throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setIntraOpNumThreads(intraOpThreads);
    o.setInterOpNumThreads(1);
    o.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
    o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    if (active == ExecutionProvider.CUDA) {
      o.addCUDA(0);
    }
    return o;
  }

  /** The second dimension of a {@code [N, X]} float tensor; -1 if the model leaves it symbolic. */
  private static long featureDimension(String model, Map<String, NodeInfo> infos, String name, boolean mustBeFixed)
      throws TeacherLoadException {
    NodeInfo info = infos.get(name);
    if (info == null) {
      throw new TeacherLoadException(model + ": has no " + (mustBeFixed ? "input" : "output") + " '" + name
          + "' (it has " + infos.keySet() + "); every model maps '" + ModelInterface.INPUT + "' [N, D] to '"
          + ModelInterface.OUTPUT + "' [N, C]");
    }
    if (!(info.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT || t.getShape().length != 2) {
      throw new TeacherLoadException(model + ": '" + name + "' must be a float tensor [N, X], got " + info.getInfo());
    }
    long dim = t.getShape()[1];
    if (mustBeFixed && dim <= 0) {
      throw new TeacherLoadException(model + ": '" + name + "' must have a fixed feature size, got "
          + Arrays.toString(t.getShape()));
    }
    return dim;
  }

  /** One run on a zero sample: the model runs, and says how many classes it has. */
  private int probe(String model, OrtSession session, int inputSize) throws OrtException, TeacherLoadException {
    FloatBuffer zeros = FloatBuffer.allocate(inputSize);
    try (OnnxTensor in = OnnxTensor.createTensor(env, zeros, new long[] {1, inputSize});
        OrtSession.Result r = session.run(Map.of(ModelInterface.INPUT, in), Set.of(ModelInterface.OUTPUT))) {
      long[] shape = ((TensorInfo) r.get(0).getInfo()).getShape();
      if (shape.length != 2 || shape[0] != 1 || shape[1] < 2) {
        throw new TeacherLoadException(model + ": a probe of one sample gave '" + ModelInterface.OUTPUT
            + "' of shape " + Arrays.toString(shape) + ", expected [1, C] with C >= 2");
      }
      return (int) shape[1];
    }
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException ignored) {
      // already failing; the original problem is the one to report
    }
  }
}
