package dev.distill.scorer.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether ONNX Runtime can run a model on a CUDA device here, decided by trying it as a teacher's
 * session would: the CUDA provider is appended and a one-layer model is created and run on it with
 * the CPU fallback disabled. When it cannot, the reason is one line, one of: this build has no CUDA
 * provider (the CPU jar), the provider's libraries do not load (CUDA 12.x or cuDNN 9 missing), or
 * the device does not answer.
 */
final class CudaProbe {
  /**
   * The libraries the CUDA provider of onnxruntime_gpu 1.24.1 links against ({@code readelf -d
   * libonnxruntime_providers_cuda.so}): CUDA 12.x and cuDNN 9. Only named to explain a failure:
   * whether the provider loads is always left to ONNX Runtime.
   */
  static final List<String> CUDA_LIBRARIES = List.of("libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12",
      "libcufft.so.11", "libcurand.so.10", "libcudnn.so.9");
  /** Where the dynamic loader looks besides LD_LIBRARY_PATH and its cache (ld.so(8)'s trusted folders). */
  private static final List<String> DEFAULT_DIRS = List.of("/lib", "/usr/lib", "/lib64", "/usr/lib64",
      "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu");
  private static final Path LOADER_CACHE = Path.of("/etc/ld.so.cache");
  /** ONNX Runtime's messages can hold a page of native detail; a log line keeps the start. */
  private static final int MAX_DETAIL = 300;

  /**
   * What the probe found.
   *
   * @param usable       a model ran on the device with every node on CUDA
   * @param buildHasCuda this ONNX Runtime build has a CUDA provider at all (onnxruntime_gpu)
   * @param reason       why it is not usable, one line; empty when it is
   */
  record Outcome(boolean usable, boolean buildHasCuda, String reason) {}

  private CudaProbe() {}

  static Outcome probe(OrtEnvironment env, int device) {
    if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      return new Outcome(false, false,
          "this is the CPU build of ONNX Runtime, without a CUDA execution provider (the cuda build, mvn -Pcuda, has one)");
    }
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      try {
        options.addCUDA(device);
      } catch (OrtException e) {
        List<String> missing = missingLibraries();
        return new Outcome(false, true, "the CUDA execution provider did not load: " + (missing.isEmpty()
            ? oneLine(e.getMessage())
            : String.join(", ", missing) + " not found on the library path (ONNX Runtime " + env.getVersion()
                + " needs CUDA 12.x and cuDNN 9)"));
      }
      options.addConfigEntry("session.disable_cpu_ep_fallback", "1");
      try (OrtSession session = env.createSession(oneLayer(), options);
           OnnxTensor x = OnnxTensor.createTensor(env, new float[][] {{1, 2, 3, 4}});
           OrtSession.Result ignored = session.run(Map.of("x", x))) {
        return new Outcome(true, true, "");
      }
    } catch (OrtException | RuntimeException e) {
      String visible = System.getenv("CUDA_VISIBLE_DEVICES");
      return new Outcome(false, true, "CUDA device " + device + " is not usable: " + oneLine(e.getMessage())
          + (visible == null ? "" : " (CUDA_VISIBLE_DEVICES=" + visible + ")"));
    }
  }

  /** {@code y = x W + b} over 4 features: the smallest model that puts a real kernel on the device. */
  private static byte[] oneLayer() {
    OnnxGraph g = new OnnxGraph("cuda-probe");
    String x = g.input("x", -1, 4);
    g.output(g.dense(x, new float[16], new float[4], 4, 4), "y", -1, 4);
    return new OnnxModel(g).toBytes();
  }

  /** Which of {@link #CUDA_LIBRARIES} the dynamic loader would not find here. */
  static List<String> missingLibraries() {
    List<Path> dirs = new ArrayList<>();
    String ldPath = System.getenv("LD_LIBRARY_PATH");
    if (ldPath != null) {
      for (String d : ldPath.split(":")) {
        if (!d.isBlank()) {
          dirs.add(Path.of(d));
        }
      }
    }
    String nativePath = System.getProperty("onnxruntime.native.path");
    if (nativePath != null) {
      dirs.add(Path.of(nativePath));
    }
    DEFAULT_DIRS.forEach(d -> dirs.add(Path.of(d)));
    String cache;
    try {
      // the cache is binary, but every library it knows stands in it by name
      cache = new String(Files.readAllBytes(LOADER_CACHE), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      cache = "";
    }
    return missingLibraries(dirs, cache);
  }

  static List<String> missingLibraries(List<Path> dirs, String loaderCache) {
    List<String> missing = new ArrayList<>();
    for (String lib : CUDA_LIBRARIES) {
      boolean found = loaderCache.contains(lib + '\0') || dirs.stream().anyMatch(d -> Files.exists(d.resolve(lib)));
      if (!found) {
        missing.add(lib);
      }
    }
    return missing;
  }

  static String oneLine(String message) {
    String m = message == null ? "no detail" : message.replaceAll("\\s+", " ").trim();
    return m.length() <= MAX_DETAIL ? m : m.substring(0, MAX_DETAIL) + " ...";
  }
}
