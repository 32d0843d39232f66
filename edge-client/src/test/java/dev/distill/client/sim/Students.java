package dev.distill.client.sim;

import com.google.protobuf.ByteString;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import dev.distill.contract.ota.ImageSigner;
import dev.distill.contract.ota.ImageStatement;
import dev.distill.contract.proto.ModelVersion;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/** Student models for tests: no training needed, known to be good, bad or broken. */
public final class Students {
  private Students() {}

  /**
   * A nearest-centroid classifier as one dense layer: logit_c = mu_c . x - |mu_c|^2 / 2 on
   * pixels scaled to [0, 1]. About 80% on MNIST: a "good" student without any training.
   *
   * @param noise standard deviation of noise added to every weight (0 = exact)
   */
  public static byte[] nearestCentroid(LabelledImages train, int samples, double noise, long seed, long version) {
    int d = train.pixelsPerImage();
    double[][] sum = new double[10][d];
    int[] n = new int[10];
    for (int i = 0; i < Math.min(samples, train.count()); i++) {
      byte[] img = train.image(i);
      int y = train.label(i);
      n[y]++;
      for (int k = 0; k < d; k++) {
        sum[y][k] += (img[k] & 0xff) / 255.0;
      }
    }
    Random r = new Random(seed);
    float[] w = new float[10 * d];
    float[] b = new float[10];
    for (int c = 0; c < 10; c++) {
      double norm = 0;
      for (int k = 0; k < d; k++) {
        double mu = sum[c][k] / Math.max(1, n[c]);
        w[c * d + k] = (float) (mu + r.nextGaussian() * noise);
        norm += mu * mu;
      }
      b[c] = (float) (-norm / 2);
    }
    OnnxGraph g = new OnnxGraph("centroid");
    String x = g.input(ModelInterface.INPUT, -1, d);
    g.output(g.dense(g.scale(x, 1f / 255), w, b, d, 10), ModelInterface.OUTPUT, -1, 10);
    return new OnnxModel(g).modelVersion(version).toBytes();
  }

  /** An MLP with random weights: loads and answers, at chance accuracy (a "bad" student). */
  public static byte[] random(int in, int hidden, int out, long seed, long version) {
    Random r = new Random(seed);
    return mlp(gaussian(r, in * hidden, Math.sqrt(2.0 / in)), new float[hidden], gaussian(r, hidden * out, Math.sqrt(2.0 / hidden)),
        new float[out], in, hidden, out, version);
  }

  /** Weights all NaN: loads, but fails the health check. */
  public static byte[] broken(int in, int out, long version) {
    float[] w = new float[in * out];
    java.util.Arrays.fill(w, Float.NaN);
    OnnxGraph g = new OnnxGraph("broken");
    String x = g.input(ModelInterface.INPUT, -1, in);
    g.output(g.dense(x, w, new float[out], in, out), ModelInterface.OUTPUT, -1, out);
    return new OnnxModel(g).modelVersion(version).toBytes();
  }

  public static byte[] mlp(float[] w1, float[] b1, float[] w2, float[] b2, int in, int hidden, int out, long version) {
    OnnxGraph g = new OnnxGraph("mlp");
    String x = g.input(ModelInterface.INPUT, -1, in);
    String h = g.relu(g.dense(g.scale(x, 1f / 255), w1, b1, in, hidden));
    g.output(g.dense(h, w2, b2, hidden, out), ModelInterface.OUTPUT, -1, out);
    return new OnnxModel(g).modelVersion(version).toBytes();
  }

  public static float[] gaussian(Random r, int n, double std) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * std);
    }
    return a;
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The record the trainer would publish on distill.student-models. */
  public static ModelVersion version(String model, long version, byte[] onnx) {
    return ModelVersion.newBuilder().setModelName(model).setVersion(version).setParentVersion(version - 1)
        .setCreatedAtMs(System.currentTimeMillis()).setArchitecture("test").setFormat("onnx")
        .setSha256(sha256(onnx)).setSizeBytes(onnx.length).setOnnx(ByteString.copyFrom(onnx)).build();
  }

  /** The record the trainer would publish with its image key: carrying its signature of the artifact. */
  public static ModelVersion version(String model, long version, byte[] onnx, ImageSigner trainer) {
    ModelVersion v = version(model, version, onnx);
    return v.toBuilder().setImageSignature(trainer.sign(ImageStatement.of(v)).toProto()).build();
  }
}
