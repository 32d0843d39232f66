package dev.distill.trainer.engine;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Utils;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one PyTorch engine of this process, started offline with capped threads on the best
 * device: the first GPU when there is one, else the CPU.
 *
 * <p>PyTorch reads its thread counts once, when the engine loads, and the engine is shared by
 * the whole JVM; so {@link #start} configures it the first time and returns the same engine
 * afterwards. Call it before anything else touches DJL, or the caps come too late.
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

  private static final Logger LOG = LoggerFactory.getLogger(TrainingEngine.class);
  private static TrainingEngine started; // guarded by TrainingEngine.class

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
   * Starts the engine, or returns the running one (whose settings then stay as they were).
   * Settings given as system properties or environment variables ({@code DJL_CACHE_DIR},
   * {@code ai.djl.pytorch.num_threads}, ...) win over {@code settings}, so an operator can
   * always override them.
   *
   * @throws IllegalStateException if DJL would go online or PyTorch cannot load
   */
  public static synchronized TrainingEngine start(EngineSettings settings) {
    if (started != null) {
      return started;
    }
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
    Engine engine;
    try {
      engine = Engine.getEngine(ENGINE_NAME);
    } catch (RuntimeException e) {
      throw new IllegalStateException("the PyTorch engine did not load (natives expected in "
          + Utils.getEngineCacheDir() + "): " + e.getMessage(), e);
    }
    Device device = engine.getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    started = new TrainingEngine(engine, device, JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(),
        Utils.getEngineCacheDir());
    // libgomp reads OMP_WAIT_POLICY from the environment as it loads: only a launcher can set it
    LOG.info("training engine: {}, OpenMP wait policy {}, natives in {}", started.description(),
        Objects.requireNonNullElse(System.getenv("OMP_WAIT_POLICY"), "default (spin, best on idle cores)"),
        started.cacheDir);
    return started;
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getenv(key) == null && System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /** Where models train: {@code gpu(0)} when a GPU is visible, else {@code cpu()}. */
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
