package dev.distill.scorer.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.model.TeacherVersion;
import dev.distill.contract.model.TensorSpec;
import dev.distill.contract.wire.Tensors;
import dev.distill.scorer.teacher.TeacherBatch;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherLoadException;
import dev.distill.scorer.teacher.TeacherLoader;
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
 * <p>Every member is checked against the version's {@link TeacherManifest} before the version is
 * used (its inputs, dtypes and shapes, its output; {@link InterfaceCheck}) and probed with one run,
 * so members of an ensemble share one interface.
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
    TeacherManifest manifest = version.manifest();
    try {
      for (Path file : version.members()) {
        members.add(open(file, manifest));
      }
      OnnxTeacher teacher = new OnnxTeacher(env, version.teacherId(), version.version(), manifest, members);
      log.info("loaded {} from {} on {}", teacher, version.dir(), active);
      return teacher;
    } catch (TeacherLoadException | RuntimeException e) {
      OnnxTeacher.closeAll(members);
      throw e;
    }
  }

  /**
   * Opens one ONNX file and checks it against a manifest: every input the manifest names with its
   * dtype and shape, the output, and one probe run that gives {@code [1, C]}.
   */
  OnnxTeacher.Member open(Path file, TeacherManifest manifest) throws TeacherLoadException {
    String name = file.getFileName().toString();
    OrtSession session;
    try (OrtSession.SessionOptions options = sessionOptions()) {
      session = env.createSession(file.toString(), options);
    } catch (OrtException e) {
      throw new TeacherLoadException(name + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
    }
    try {
      InterfaceCheck.check(name, session, manifest);
      probe(name, session, manifest);
      return new OnnxTeacher.Member(name, session);
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

  /** One run on a sample of zeros (symbolic dimensions at 1): the model runs and has the manifest's classes. */
  private void probe(String model, OrtSession session, TeacherManifest manifest)
      throws OrtException, TeacherLoadException {
    List<TeacherBatch.Input> inputs = new ArrayList<>();
    for (TeacherManifest.Input in : manifest.inputs()) {
      List<TensorSpec.Dim> dims = in.spec().shape();
      long[] shape = new long[dims.size()];
      int count = 1;
      for (int d = 0; d < shape.length; d++) {
        shape[d] = dims.get(d).isFixed() && d > 0 ? dims.get(d).size() : 1;
        count *= (int) shape[d];
      }
      boolean floats = Tensors.isFloatingPoint(in.spec().dtype());
      inputs.add(new TeacherBatch.Input(in.name(), shape, floats ? new float[count] : null,
          floats ? null : new long[count]));
    }
    Map<String, OnnxTensor> feed = new java.util.LinkedHashMap<>();
    try {
      for (int i = 0; i < inputs.size(); i++) {
        feed.put(inputs.get(i).name(), OrtTensors.create(env, manifest.inputs().get(i).spec().dtype(), inputs.get(i)));
      }
      try (OrtSession.Result r = session.run(feed, Set.of(manifest.output().name()))) {
        long[] shape = ((TensorInfo) r.get(0).getInfo()).getShape();
        if (shape.length != 2 || shape[0] != 1 || shape[1] != manifest.output().classes()) {
          throw new TeacherLoadException(model + ": a probe of one sample gave '" + manifest.output().name()
              + "' of shape " + Arrays.toString(shape) + ", the manifest says [1, " + manifest.output().classes() + "]");
        }
      }
    } finally {
      feed.values().forEach(OnnxTensor::close);
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
