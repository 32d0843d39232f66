package dev.distill.scorer.topology;

import dev.distill.contract.model.Preprocess;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.proto.DType;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.Tensor;
import dev.distill.contract.wire.Samples;
import dev.distill.contract.wire.Tensors;
import dev.distill.scorer.teacher.TeacherBatch;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The teacher's input for a group of samples of one shape: per input of the manifest, the
 * samples' values stacked row-major, float inputs preprocessed as the manifest says (uint8 pixels
 * read in a tight loop, which the JIT turns into fast code), integer inputs as longs.
 */
final class BatchInput {
  private final TeacherManifest manifest;
  private final Admission.Fit shape;
  private final int rows;
  private final float[][] floats;
  private final long[][] longs;
  private final int[] perSample;
  private int count;

  BatchInput(TeacherManifest manifest, Admission.Fit shape, int rows) {
    this.manifest = manifest;
    this.shape = shape;
    this.rows = rows;
    int inputs = manifest.inputs().size();
    floats = new float[inputs][];
    longs = new long[inputs][];
    perSample = new int[inputs];
    for (int i = 0; i < inputs; i++) {
      long n = 1;
      for (long d : shape.shapes()[i]) {
        n *= d;
      }
      perSample[i] = (int) n;
      if (Tensors.isFloatingPoint(manifest.inputs().get(i).spec().dtype())) {
        floats[i] = new float[rows * perSample[i]];
      } else {
        longs[i] = new long[rows * perSample[i]];
      }
    }
  }

  /** Appends one sample; {@code fit} is how it fits, with this batch's shapes. */
  void add(Sample s, Admission.Fit fit) {
    Map<String, Tensor> tensors = Samples.inputs(s);
    for (int i = 0; i < perSample.length; i++) {
      Tensor t = tensors.get(fit.sampleTensors()[i]);
      int offset = count * perSample[i];
      if (floats[i] != null) {
        fill(t, floats[i], offset, perSample[i]);
        Preprocess p = manifest.inputs().get(i).preprocess();
        if (!p.isIdentity()) {
          p.applyInPlace(floats[i], offset, shape.shapes()[i]);
        }
      } else {
        System.arraycopy(Tensors.toLongs(t), 0, longs[i], offset, perSample[i]);
      }
    }
    count++;
  }

  private static void fill(Tensor t, float[] out, int offset, int n) {
    if (t.getDtype() == DType.UINT8) {
      var bytes = t.getData();
      for (int i = 0; i < n; i++) {
        out[offset + i] = bytes.byteAt(i) & 0xff;
      }
    } else if (t.getDtype() == DType.FLOAT32) {
      t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, offset, n);
    } else {
      System.arraycopy(Tensors.toFloats(t), 0, out, offset, n);
    }
  }

  int rows() {
    return count;
  }

  /** The batch, once every one of its {@code rows} samples was added, as the teacher takes it. */
  TeacherBatch batch() {
    if (count != rows) {
      throw new IllegalStateException(count + " of " + rows + " samples added");
    }
    List<TeacherBatch.Input> inputs = new ArrayList<>();
    for (int i = 0; i < perSample.length; i++) {
      long[] per = shape.shapes()[i];
      long[] full = new long[per.length + 1];
      full[0] = count;
      System.arraycopy(per, 0, full, 1, per.length);
      inputs.add(new TeacherBatch.Input(manifest.inputs().get(i).name(), full, floats[i], longs[i]));
    }
    return new TeacherBatch(count, inputs);
  }
}
