package dev.distill.trainer.export;

import dev.distill.contract.model.Architecture;
import dev.distill.contract.model.ModelInterface;
import dev.distill.contract.onnx.OnnxGraph;
import dev.distill.contract.onnx.OnnxModel;
import dev.distill.trainer.model.LayerWeights;
import dev.distill.trainer.model.Network;
import java.util.Iterator;
import java.util.List;

/**
 * Writes a trained {@link Network} as an ONNX model of the {@link ModelInterface}: input
 * {@code pixels [N, D]} in raw units, the same scaling first, the same layers with the same
 * weights, output {@code logits [N, C]}; its provenance and architecture in the metadata.
 */
public final class OnnxExport {
  private OnnxExport() {}

  public static byte[] toOnnx(Network network, Provenance provenance) {
    Architecture arch = network.architecture();
    Iterator<LayerWeights> weights = network.weights().iterator();
    OnnxGraph g = new OnnxGraph(arch.spec());
    String x = g.input(ModelInterface.INPUT, -1, arch.inputSize());
    if (network.inputScale() != 1f) {
      x = g.scale(x, network.inputScale());
    }
    if (arch instanceof Architecture.Cnn cnn) {
      x = g.reshape(x, -1, 1, cnn.height(), cnn.width());
      int channels = 1;
      for (int filters : cnn.convChannels()) {
        LayerWeights w = weights.next();
        x = g.conv(x, w.weight(), w.bias(), channels, filters, Architecture.Cnn.KERNEL, 1, Architecture.Cnn.PADDING);
        x = g.maxPool(g.relu(x), Architecture.Cnn.POOL, Architecture.Cnn.POOL);
        channels = filters;
      }
      x = dense(g, g.flatten(x), weights, cnn.flattenedSize(), cnn.hidden(), cnn.classes());
    } else {
      Architecture.Mlp mlp = (Architecture.Mlp) arch;
      x = dense(g, x, weights, mlp.inputSize(), mlp.hidden(), mlp.classes());
    }
    g.output(x, ModelInterface.OUTPUT, -1, arch.classes());
    return new OnnxModel(g)
        .doc(arch.spec() + " trained by distill")
        .metadata(provenance.entries())
        .metadata(ModelInterface.META_ARCHITECTURE, arch.spec())
        .toBytes();
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
