package dev.distill.client.sim;

import dev.distill.client.agent.DeviceAgent;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.ota.OtaApi.Report;
import java.util.Arrays;

/**
 * A device that classifies images of its own slice in small batches and reports how its
 * installed version does. Accuracy is measured on the device's evaluation window (the first
 * {@code window} images of its slice) and reported once the whole window has been seen:
 * every version is measured on exactly the same images, so two versions' accuracies differ by
 * the models, not by which images happened to be drawn.
 */
final class SimulatedDevice {
  private final DeviceAgent agent;
  private final String model;
  private final LabelledImages data;
  private final int first;
  private final int count;
  private final int batch;
  private final int window;
  private int cursor;
  private long version = -1;
  private String rolloutId = "";
  private long inferences;
  private long errors;
  private long correct;
  private long labelled;
  private final double[] latencies = new double[256];
  private int latencyCount;

  SimulatedDevice(DeviceAgent agent, String model, LabelledImages data, int first, int count, int batch, int window) {
    this.agent = agent;
    this.model = model;
    this.data = data;
    this.first = first;
    this.count = count;
    this.batch = batch;
    this.window = Math.min(window, count);
  }

  DeviceAgent agent() {
    return agent;
  }

  /** One batch through the active model. */
  synchronized void infer() {
    long v = agent.activeVersion();
    if (v != version) {
      version = v;
      rolloutId = agent.activeSlot().map(s -> s.rolloutId()).orElse("");
      correct = 0;
      labelled = 0;
      cursor = 0; // each version sees the same images in the same order: a paired comparison
    }
    int d = agent.inputSize();
    if (v == 0 || d != data.pixelsPerImage() || count == 0) {
      return;
    }
    float[] x = new float[batch * d];
    int[] y = new int[batch];
    for (int b = 0; b < batch; b++) {
      int i = first + (cursor++ % count);
      byte[] img = data.image(i);
      for (int k = 0; k < d; k++) {
        x[b * d + k] = img[k] & 0xff;
      }
      y[b] = data.label(i);
    }
    long t0 = System.nanoTime();
    try {
      float[][] logits = agent.infer(x, batch);
      double ms = (System.nanoTime() - t0) / 1e6 / batch;
      if (logits == null) {
        return;
      }
      for (int b = 0; b < batch; b++) {
        int arg = 0;
        for (int c = 1; c < logits[b].length; c++) {
          if (logits[b][c] > logits[b][arg]) {
            arg = c;
          }
        }
        if (labelled < window) { // the cursor restarted at 0 with this version: these are the window's images
          correct += arg == y[b] ? 1 : 0;
          labelled++;
        }
      }
      inferences += batch;
      latencies[latencyCount++ % latencies.length] = ms;
    } catch (Exception e) {
      errors += batch;
      inferences += batch;
    }
  }

  /** The RUNNING report since the previous one (accuracy since install). */
  synchronized Report report() {
    int n = Math.min(latencyCount, latencies.length);
    double[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    double p50 = n == 0 ? 0 : sorted[(int) Math.floor(0.50 * (n - 1))];
    double p99 = n == 0 ? 0 : sorted[(int) Math.floor(0.99 * (n - 1))];
    boolean measured = window > 0 && labelled >= window;
    Report r = new Report(model, version < 0 ? 0 : version, "RUNNING", "", inferences, p50, p99, errors,
        measured ? (double) correct / labelled : null, measured ? labelled : 0, rolloutId, null);
    inferences = 0;
    errors = 0;
    latencyCount = 0;
    return r;
  }

  /** The installed version's accuracy on the evaluation window; NaN until the window is complete. */
  synchronized double accuracy() {
    return window == 0 || labelled < window ? Double.NaN : (double) correct / labelled;
  }
}
