package dev.distill.trainer.engine;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Utils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one PyTorch engine of this process, started offline with capped threads, and the device
 * models train on: by default the first GPU when PyTorch sees one, else the CPU ({@link
 * TrainingDevice}).
 *
 * <p>PyTorch reads its thread counts once, when the engine loads, and the engine is shared by
 * the whole JVM; so {@link #start} configures it the first time, and later calls only choose a
 * device on it. Call it before anything else touches DJL, or the caps come too late.
 *
 * <p>On cores shared with other busy processes, set {@code OMP_WAIT_POLICY=PASSIVE} in the
 * environment of the JVM: PyTorch's OpenMP threads then sleep instead of spinning while they
 * wait for each other, which was measured 6-10x faster under contention here (and is what the
 * tests run with). Java cannot set it for its own process.
 */
public final class TrainingEngine {
  static final String ENGINE_NAME = "PyTorch";
  static final String OFFLINE = "ai.djl.offline";
  static final String CACHE_DIR = "DJL_CACHE_DIR";
  static final String ENGINE_CACHE_DIR = "ENGINE_CACHE_DIR";
  static final String INTRA_OP_THREADS = "ai.djl.pytorch.num_threads";
  static final String INTER_OP_THREADS = "ai.djl.pytorch.num_interop_threads";
  /** What the PyTorch native jar says of itself: {@code flavor=cpu} or {@code flavor=cu124}. */
  private static final String NATIVE_PROPERTIES = "native/lib/pytorch.properties";

  private static final Logger LOG = LoggerFactory.getLogger(TrainingEngine.class);
  // guarded by TrainingEngine.class: the engine as first started, and a view of it per device chosen since
  private static final Map<Device, TrainingEngine> BY_DEVICE = new HashMap<>();
  private static TrainingEngine started;

  private final Engine engine;
  private final Device device;
  private final int intraOpThreads;
  private final int interOpThreads;
  private final Path cacheDir;

  private TrainingEngine(Engine engine, Device device, int intraOpThreads, int interOpThreads, Path cacheDir) {
    this.engine = engine;
    this.device = device;
    this.intraOpThreads = intraOpThreads;
    this.interOpThreads = interOpThreads;
    this.cacheDir = cacheDir;
  }

  /** Starts the engine with {@link EngineSettings#defaults()}, or returns the running one. */
  public static TrainingEngine start() {
    return start(EngineSettings.defaults());
  }

  /**
   * Starts the engine, or returns the running one (whose threads and cache stay as they were) on
   * the device {@code settings} choose. Settings given as system properties or environment
   * variables ({@code DJL_CACHE_DIR}, {@code ai.djl.pytorch.num_threads}, ...) win over {@code
   * settings}, so an operator can always override them.
   *
   * @throws NoGpuException if a GPU is required and PyTorch sees none
   * @throws IllegalStateException if DJL would go online or PyTorch cannot load
   */
  public static synchronized TrainingEngine start(EngineSettings settings) {
    if (started == null) {
      Engine engine = load(settings);
      Device device = choose(settings.device(), engine);
      started = new TrainingEngine(engine, device, JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(),
          Utils.getEngineCacheDir());
      BY_DEVICE.put(device, started);
      // libgomp reads OMP_WAIT_POLICY from the environment as it loads: only a launcher can set it
      LOG.info("training engine: {} {} ({} natives), {} intra-op / {} inter-op threads; models train on {} ({}); "
              + "OpenMP wait policy {}, natives in {}", engine.getEngineName(), engine.getVersion(), nativeFlavor(),
          started.intraOpThreads, started.interOpThreads, device, why(settings.device(), engine),
          Objects.requireNonNullElse(System.getenv("OMP_WAIT_POLICY"), "default (spin, best on idle cores)"),
          started.cacheDir);
      return started;
    }
    Device device = choose(settings.device(), started.engine);
    return started.viewOn(device, why(settings.device(), started.engine));
  }

  private static Engine load(EngineSettings settings) {
    // without offline mode DJL contacts its model zoo and download site at start-up
    System.setProperty(OFFLINE, "true");
    setIfAbsent(CACHE_DIR, settings.cacheDir().toString());
    setIfAbsent(ENGINE_CACHE_DIR, settings.cacheDir().toString());
    setIfAbsent(INTRA_OP_THREADS, Integer.toString(settings.intraOpThreads()));
    setIfAbsent(INTER_OP_THREADS, Integer.toString(settings.interOpThreads()));
    if (!Utils.isOfflineMode()) {
      throw new IllegalStateException("DJL must run offline, but the environment sets DJL_OFFLINE="
          + System.getenv("DJL_OFFLINE") + ": unset it");
    }
    try {
      return Engine.getEngine(ENGINE_NAME);
    } catch (RuntimeException e) {
      throw new IllegalStateException("the PyTorch engine did not load (natives expected in "
          + Utils.getEngineCacheDir() + "): " + e.getMessage(), e);
    }
  }

  private static Device choose(TrainingDevice wanted, Engine engine) {
    boolean gpu = engine.getGpuCount() > 0;
    return switch (wanted) {
      case CPU -> Device.cpu();
      case AUTO -> gpu ? Device.gpu() : Device.cpu();
      case GPU -> {
        if (!gpu) {
          throw new NoGpuException(whyNoGpu(engine));
        }
        yield Device.gpu();
      }
    };
  }

  private static String why(TrainingDevice wanted, Engine engine) {
    return switch (wanted) {
      case CPU -> "cpu as configured";
      case GPU -> "gpu as configured";
      case AUTO -> "auto: PyTorch sees " + engine.getGpuCount() + " GPU(s)";
    };
  }

  /** Why PyTorch sees no GPU here, in one sentence that says what to change. */
  private static String whyNoGpu(Engine engine) {
    String flavor = nativeFlavor();
    String pytorch = engine.getEngineName() + " " + engine.getVersion();
    if (flavor.equals("cpu")) {
      return pytorch + " sees no GPU: this build carries its CPU natives (the cuda build, mvn -Pcuda, carries "
          + "the CUDA ones)";
    }
    String visible = System.getenv("CUDA_VISIBLE_DEVICES");
    return pytorch + " (" + flavor + " natives) sees no GPU: no NVIDIA driver or device is visible to this process"
        + (visible == null ? "" : " (CUDA_VISIBLE_DEVICES=" + visible + ")") + "; nvidia-smi -L lists what the driver sees";
  }

  /** {@code cpu} or {@code cu124}: which build of libtorch this class path carries, or {@code unknown}. */
  public static String nativeFlavor() {
    try (InputStream in = TrainingEngine.class.getClassLoader().getResourceAsStream(NATIVE_PROPERTIES)) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("flavor", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getenv(key) == null && System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /**
   * The same engine with models on {@code device}: a check that compares devices trains one
   * model on each with the same code.
   *
   * @throws NoGpuException if {@code device} is a GPU PyTorch does not see
   */
  public TrainingEngine on(Device device) {
    if (device.isGpu() && device.getDeviceId() >= engine.getGpuCount()) {
      throw new NoGpuException(engine.getGpuCount() == 0 ? whyNoGpu(engine)
          : "PyTorch sees " + engine.getGpuCount() + " GPU(s), not " + device);
    }
    synchronized (TrainingEngine.class) {
      return viewOn(device, "asked for");
    }
  }

  // guarded by TrainingEngine.class
  private TrainingEngine viewOn(Device d, String why) {
    return BY_DEVICE.computeIfAbsent(d, k -> {
      LOG.info("training engine: models also train on {} ({})", k, why);
      return new TrainingEngine(engine, k, intraOpThreads, interOpThreads, cacheDir);
    });
  }

  /** Where models train, e.g. {@code gpu(0)} or {@code cpu()}. */
  public Device device() {
    return device;
  }

  public boolean onGpu() {
    return device.isGpu();
  }

  public int gpuCount() {
    return engine.getGpuCount();
  }

  /** E.g. {@code PyTorch 2.5.1}. */
  public String engineName() {
    return engine.getEngineName() + " " + engine.getVersion();
  }

  /** E.g. {@code PyTorch 2.5.1 on cpu(), 2 intra-op / 1 inter-op threads}, for logs and provenance. */
  public String description() {
    return engineName() + " on " + device + ", " + intraOpThreads + " intra-op / " + interOpThreads
        + " inter-op threads";
  }

  public int intraOpThreads() {
    return intraOpThreads;
  }

  public int interOpThreads() {
    return interOpThreads;
  }

  /** A new, empty model on this engine's device; the caller closes it, which frees its arrays. */
  public Model newModel(String name) {
    return Model.newInstance(name, device, ENGINE_NAME);
  }

  /** Seeds PyTorch's generator, which draws initial weights and dropout masks. */
  public void seed(int seed) {
    engine.setRandomSeed(seed);
  }
}
