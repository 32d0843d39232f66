package dev.distill.scorer.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads teacher versions into ONNX Runtime with an explicit thread budget: {@code intraOpThreads}
 * per session, inter-op 1 (an MLP or a small CNN has no parallel branches; on 2 cores more threads
 * than cores cut throughput by an order of magnitude), and whether idle intra-op threads spin-wait
 * for the next run (quicker back-to-back runs) or sleep (leaving the CPU to the Kafka clients and,
 * in the demo, the broker). The execution provider is decided once, when the loader is made, by
 * running a probe model on CUDA ({@link CudaProbe}), and said once in the log: CUDA when it works,
 * else the CPU, with the reason in one line.
 *
 * <p>Every member is checked against the version's {@link TeacherManifest} before the version is
 * used (its inputs, dtypes and shapes, its output; {@link InterfaceCheck}) and probed with one run,
 * so members of an ensemble share one interface.
 */
public final class OnnxTeacherLoader implements TeacherLoader {
  private static final Logger log = LoggerFactory.getLogger(OnnxTeacherLoader.class);

  /** The device whose CUDA provider sessions use; a pod or a host picks the GPU with CUDA_VISIBLE_DEVICES. */
  static final int CUDA_DEVICE = 0;

  private final OrtEnvironment env;
  private final int intraOpThreads;
  private final boolean spinning;
  private final boolean cudaOnly;
  private final ExecutionProvider active;
  /** Why CUDA is not used, one line; empty when it is, or when CPU was configured. */
  private final String whyNotCuda;

  /** With ONNX Runtime's default spin-waiting. */
  public OnnxTeacherLoader(int intraOpThreads, ExecutionProvider requested) {
    this(intraOpThreads, true, requested);
  }

  public OnnxTeacherLoader(int intraOpThreads, boolean spinning, ExecutionProvider requested) {
    this(intraOpThreads, spinning, requested, false);
  }

  private OnnxTeacherLoader(int intraOpThreads, boolean spinning, ExecutionProvider requested, boolean cudaOnly) {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intra-op threads must be >= 1, got " + intraOpThreads);
    }
    this.env = OrtEnvironment.getEnvironment();
    this.intraOpThreads = intraOpThreads;
    this.spinning = spinning;
    this.cudaOnly = cudaOnly;
    CudaProbe.Outcome cuda = requested == ExecutionProvider.CPU ? null : CudaProbe.probe(env, CUDA_DEVICE);
    this.active = cuda != null && cuda.usable() ? ExecutionProvider.CUDA : ExecutionProvider.CPU;
    this.whyNotCuda = cuda == null ? "" : cuda.reason();
    say(requested, cuda);
  }

  /**
   * A loader whose sessions run every node on CUDA device 0 or do not load (ONNX Runtime's CPU
   * fallback is disabled): for checks that must know the GPU does the work.
   *
   * @throws IllegalStateException saying in one line why CUDA cannot be used here
   */
  public static OnnxTeacherLoader cudaOnly(int intraOpThreads) {
    OnnxTeacherLoader loader = new OnnxTeacherLoader(intraOpThreads, false, ExecutionProvider.CUDA, true);
    if (loader.active != ExecutionProvider.CUDA) {
      throw new IllegalStateException(loader.whyNotCuda);
    }
    return loader;
  }

  /** CPU or CUDA: what sessions of this loader run on. */
  public ExecutionProvider active() {
    return active;
  }

  /** E.g. {@code CUDA device 0} or {@code CPU}. */
  public String activeDevice() {
    return active == ExecutionProvider.CUDA ? "CUDA device " + CUDA_DEVICE : "CPU";
  }

  /** Why CUDA is not used, in one line; empty when it is used or when CPU was configured. */
  public Optional<String> whyNotCuda() {
    return whyNotCuda.isEmpty() ? Optional.empty() : Optional.of(whyNotCuda);
  }

  /**
   * One line for the decision. Falling back is a warning where CUDA was configured or this is the
   * cuda build (a GPU was meant to be there); {@code auto} on the CPU build is just the CPU.
   */
  private void say(ExecutionProvider requested, CudaProbe.Outcome cuda) {
    String budget = intraOpThreads + " intra-op thread(s)" + (spinning ? " spinning" : " not spinning") + ", 1 inter-op";
    if (cuda == null) {
      log.info("ONNX Runtime {} on the CPU execution provider, as configured; {}", env.getVersion(), budget);
    } else if (cuda.usable()) {
      log.info("ONNX Runtime {} on the CUDA execution provider, device {} ({}); {}", env.getVersion(), CUDA_DEVICE,
          requested == ExecutionProvider.AUTO ? "auto" : "as configured", budget);
    } else if (requested == ExecutionProvider.CUDA || cuda.buildHasCuda()) {
      log.warn("ONNX Runtime {} falls back to the CPU execution provider ({} requested): {}; {}", env.getVersion(),
          requested.name().toLowerCase(Locale.ROOT), cuda.reason(), budget);
    } else {
      log.info("ONNX Runtime {} on the CPU execution provider: {}; {}", env.getVersion(), cuda.reason(), budget);
    }
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
      log.info("loaded {} from {}: its session(s) run on {}", teacher, version.dir(), activeDevice());
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
      o.addCUDA(CUDA_DEVICE);
    }
    if (cudaOnly) {
      // a node CUDA cannot run makes the session fail instead of quietly running on the CPU
      o.addConfigEntry("session.disable_cpu_ep_fallback", "1");
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
