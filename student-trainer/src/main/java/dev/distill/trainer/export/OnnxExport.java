package dev.distill.trainer.export;

import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import dev.distill.contract.proto.DType;
import dev.distill.trainer.model.LayerWeights;
import dev.distill.trainer.model.Network;
import dev.distill.trainer.model.StudentInputs;
import dev.distill.trainer.model.TokenBag;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Writes a trained {@link Network} as an ONNX model: the network's inputs as they are declared
 * (the teacher's names, dtypes and shapes, or the legacy {@code pixels [N, D]}) in raw units,
 * the same preprocessing first, the same layers with the same weights (batch norms with their
 * running statistics), output {@code logits [N, C]}; its provenance and architecture in the
 * metadata.
 */
public final class OnnxExport {
  private OnnxExport() {}

  public static byte[] toOnnx(Network network, Provenance provenance) {
    Architecture arch = network.architecture();
    StudentInputs inputs = network.inputs();
    Iterator<LayerWeights> weights = network.weights().iterator();
    OnnxGraph g = new OnnxGraph(arch.spec());
    List<String> in = new ArrayList<>();
    inputs.inputs().forEach(i -> in.add(g.input(i.batchedSpec())));
    String x;
    if (arch instanceof Architecture.Tok tok) {
      x = tokenBag(g, in, inputs, weights.next(), tok);
      x = dense(g, x, weights, tok.embedding(), tok.hidden(), tok.classes());
    } else if (arch instanceof Architecture.Cnn cnn) {
      x = g.reshape(preprocess(g, in.get(0), inputs.inputs().get(0)), -1, cnn.channels(), cnn.height(), cnn.width());
      x = convs(g, x, weights, cnn);
      x = dense(g, g.flatten(x), weights, cnn.flattenedSize(), cnn.hidden(), cnn.classes());
    } else {
      Architecture.Mlp mlp = (Architecture.Mlp) arch;
      StudentInputs.Input only = inputs.inputs().get(0);
      x = preprocess(g, in.get(0), only);
      if (only.sampleShape().size() != 1) {
        x = g.flatten(x);
      }
      x = dense(g, x, weights, mlp.inputSize(), mlp.hidden(), mlp.classes());
    }
    g.output(x, ModelInterface.OUTPUT, -1, arch.classes());
    return new OnnxModel(g)
        .doc(arch.spec() + " trained by distill")
        .metadata(provenance.entries())
        .metadata(ModelInterface.META_ARCHITECTURE, arch.spec())
        .toBytes();
  }

  /** Cast to float, {@code * scale}, {@code - mean}, {@code / std}: each only where it changes something. */
  static String preprocess(OnnxGraph g, String x, StudentInputs.Input in) {
    if (in.dtype() != DType.FLOAT32) {
      x = g.castToFloat(x);
    }
    if (in.scale() != 1f) {
      x = g.scale(x, in.scale());
    }
    float[] mean = in.mean();
    if (mean != null) {
      x = g.sub(x, mean, in.constantShape(mean.length));
    }
    float[] std = in.std();
    if (std != null) {
      x = g.div(x, std, in.constantShape(std.length));
    }
    return x;
  }

  /** Conv blocks: convolution, batch norm where the spec says so, ReLU, max-pool. */
  private static String convs(OnnxGraph g, String x, Iterator<LayerWeights> weights, Architecture.Cnn cnn) {
    int channels = cnn.channels();
    for (Architecture.Cnn.Conv c : cnn.convs()) {
      LayerWeights w = weights.next();
      x = g.conv(x, w.weight(), w.bias(), channels, c.filters(), Architecture.Cnn.KERNEL, 1, Architecture.Cnn.PADDING);
      if (c.batchNorm()) {
        LayerWeights bn = weights.next();
        x = g.batchNorm(x, bn.array("gamma"), bn.array("beta"), bn.array("runningMean"), bn.array("runningVar"),
            Architecture.Cnn.BN_EPSILON);
      }
      x = g.maxPool(g.relu(x), Architecture.Cnn.POOL, Architecture.Cnn.POOL);
      channels = c.filters();
    }
    return x;
  }

  /**
   * Ids clamped into the vocabulary, looked up, and averaged over the mask (or over the ids
   * above 0 when there is no mask input): {@code sum(emb * mask) / max(sum(mask), 1)}.
   */
  private static String tokenBag(OnnxGraph g, List<String> in, StudentInputs inputs, LayerWeights w,
      Architecture.Tok tok) {
    String ids = in.get(inputs.tokenIds());
    if (inputs.inputs().get(inputs.tokenIds()).dtype() != DType.INT64) {
      ids = g.castToInt64(ids);
    }
    String mask = g.castToFloat(inputs.tokenMask() < 0 ? g.greater(ids, 0) : in.get(inputs.tokenMask()));
    String emb = g.gather(w.array(TokenBag.TABLE), tok.vocab(), tok.embedding(), g.clip(ids, 0, tok.vocab() - 1));
    String sum = g.reduceSum(g.mul(emb, g.unsqueeze(mask, 2)), false, 1);
    return g.div(sum, g.max(g.reduceSum(mask, true, 1), 1f));
  }

  /** Dense layers with ReLU between them; dropout is a training-time layer and has no place here. */
  private static String dense(OnnxGraph g, String x, Iterator<LayerWeights> weights, int in, List<Integer> hidden,
      int classes) {
    for (int units : hidden) {
      LayerWeights w = weights.next();
      x = g.relu(g.dense(x, w.weight(), w.bias(), in, units));
      in = units;
    }
    LayerWeights w = weights.next();
    return g.dense(x, w.weight(), w.bias(), in, classes);
  }
}
