package dev.distill.deploy.docker;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OrtEnvironment;
import dev.distill.contract.ota.DeltaCodec;
import dev.distill.trainer.engine.TrainingEngine;
import java.util.Arrays;

/**
 * Run inside a built image by {@link ServiceImagesTest}, on the image's own class path and JVM: loads
 * the native libraries the service runs and prints one line per check. Each check sits in its own
 * class, so that an image without ONNX Runtime or DJL never has to resolve their classes.
 */
public final class ImageProbe {
  private ImageProbe() {}

  public static void main(String[] args) throws Exception {
    for (String check : args) {
      String result = switch (check) {
        case "jvm" -> jvm();
        case "onnxruntime" -> Onnx.check();
        case "pytorch" -> PyTorch.check();
        case "zstd" -> Zstd.check();
        default -> throw new IllegalArgumentException("no check " + check);
      };
      System.out.println(check + ": " + result);
    }
  }

  /** Who runs and how text is encoded: the image's passwd names its user, its locale makes UTF-8 the default. */
  static String jvm() {
    return "java " + System.getProperty("java.version") + ", user.name " + System.getProperty("user.name")
        + ", user.home " + System.getProperty("user.home") + ", file.encoding " + System.getProperty("file.encoding")
        + ", sun.jnu.encoding " + System.getProperty("sun.jnu.encoding");
  }

  /** The scorer's teacher runtime: both of ONNX Runtime's libraries load (the JNI one needs the other). */
  static final class Onnx {
    static String check() {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      return "ONNX Runtime " + env.getVersion() + ", providers " + OrtEnvironment.getAvailableProviders();
    }
  }

  /** The trainer's engine, started as the trainer starts it (offline, natives unpacked into DISTILL_HOME). */
  static final class PyTorch {
    static String check() {
      TrainingEngine engine = TrainingEngine.start();
      try (NDManager manager = NDManager.newBaseManager()) {
        float sum = manager.ones(new Shape(2, 3)).sum().getFloat();
        if (sum != 6f) {
          throw new IllegalStateException("ones(2,3).sum() = " + sum);
        }
      }
      return engine.description() + ", ones(2,3).sum() = 6";
    }
  }

  /** zstd-jni, on which the publisher's model deltas (contract's DeltaCodec) run. */
  static final class Zstd {
    static String check() throws DeltaCodec.DeltaException {
      byte[] base = new byte[4096];
      byte[] target = base.clone();
      target[17] = 42;
      byte[] delta = DeltaCodec.encode(base, target);
      if (!Arrays.equals(DeltaCodec.decode(base, delta, target.length), target)) {
        throw new IllegalStateException("the delta did not decode to its target");
      }
      return "delta of " + target.length + " bytes round-tripped in " + delta.length + " bytes";
    }
  }
}
