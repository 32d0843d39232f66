package dev.distill.trainer.model;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import dev.distill.contract.model.Architecture;
import dev.distill.trainer.engine.TrainingEngine;
import java.util.ArrayList;
import java.util.List;

/**
 * A DJL network built from an {@link Architecture}, taking the input every model takes
 * ({@link dev.distill.contract.model.ModelInterface}), as its ONNX export does:
 * {@code [N, D]} raw features (pixels 0..255), scaled by {@link #inputScale()} as the first
 * operation, so that DJL and ONNX Runtime compute the same logits from the same bytes.
 *
 * <p>Dropout layers (after every hidden ReLU) act only in training forward passes; {@link
 * #logits} and the ONNX export leave them out. The network owns a DJL {@link Model}, which owns
 * the weights: close the network to free them.
 */
public final class Network implements AutoCloseable {
  /** Scale of uint8 images (MNIST, Fashion-MNIST): pixels 0..255 become 0..1. */
  public static final float PIXEL_SCALE = 1f / 255f;

  private final Architecture architecture;
  private final float inputScale;
  private final float dropout;
  private final Model model;
  private final List<Block> weightedLayers;

  private Network(Architecture architecture, float inputScale, float dropout, Model model, List<Block> layers) {
    this.architecture = architecture;
    this.inputScale = inputScale;
    this.dropout = dropout;
    this.model = model;
    this.weightedLayers = List.copyOf(layers);
  }

  /**
   * Builds an untrained network; its weights exist once a trainer is initialized on it, or after
   * {@link #initialize()}.
   *
   * @param inputScale factor applied to the raw input first ({@link #PIXEL_SCALE} for images)
   * @param dropout    rate of the dropout after each hidden layer, 0 for none
   */
  public static Network create(TrainingEngine engine, Architecture architecture, float inputScale, float dropout) {
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be at least 0 and below 1, got " + dropout);
    }
    SequentialBlock block = new SequentialBlock();
    List<Block> weighted = new ArrayList<>();
    block.add(LambdaBlock.singleton(x -> x.mul(inputScale), "scale"));
    if (architecture instanceof Architecture.Cnn cnn) {
      block.add(LambdaBlock.singleton(x -> x.reshape(-1, 1, cnn.height(), cnn.width()), "image"));
      Shape kernel = new Shape(Architecture.Cnn.KERNEL, Architecture.Cnn.KERNEL);
      Shape padding = new Shape(Architecture.Cnn.PADDING, Architecture.Cnn.PADDING);
      Shape pool = new Shape(Architecture.Cnn.POOL, Architecture.Cnn.POOL);
      for (int filters : cnn.convChannels()) {
        Block conv = Conv2d.builder().setKernelShape(kernel).optPadding(padding).setFilters(filters).build();
        weighted.add(conv);
        block.add(conv).add(Activation.reluBlock()).add(Pool.maxPool2dBlock(pool, pool));
      }
      block.add(Blocks.batchFlattenBlock());
      addDense(block, weighted, cnn.hidden(), cnn.classes(), dropout);
    } else {
      Architecture.Mlp mlp = (Architecture.Mlp) architecture;
      addDense(block, weighted, mlp.hidden(), mlp.classes(), dropout);
    }
    Model model = engine.newModel(architecture.spec());
    model.setBlock(block);
    return new Network(architecture, inputScale, dropout, model, weighted);
  }

  private static void addDense(SequentialBlock block, List<Block> weighted, List<Integer> hidden, int classes,
      float dropout) {
    for (int units : hidden) {
      Block dense = Linear.builder().setUnits(units).build();
      weighted.add(dense);
      block.add(dense).add(Activation.reluBlock());
      if (dropout > 0) {
        block.add(Dropout.builder().optRate(dropout).build());
      }
    }
    Block out = Linear.builder().setUnits(classes).build();
    weighted.add(out);
    block.add(out);
  }

  /** Draws initial weights without a trainer (as a trainer would: DJL's defaults, PyTorch's generator). */
  public void initialize() {
    model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, inputShape(1));
  }

  /** The input shape {@code [batch, D]}, for initializing a trainer. */
  public Shape inputShape(int batch) {
    return new Shape(batch, architecture.inputSize());
  }

  /**
   * Inference forward pass (dropout off) on {@code rows} raw samples of {@code D} features,
   * row-major.
   *
   * @param manager owns the arrays of this call; pass a short-lived sub-manager
   * @return the logits, {@code rows x C}, row-major
   */
  public float[] logits(NDManager manager, float[] features, int rows) {
    NDArray x = manager.create(features, inputShape(rows)).toDevice(model.getNDManager().getDevice(), false);
    NDList out = model.getBlock().forward(new ParameterStore(manager, false), new NDList(x), false);
    return out.singletonOrThrow().toFloatArray();
  }

  /**
   * The trained weights of the dense and convolution layers, in the order the architecture
   * names them (convolutions first). Dense weights are {@code [out, in]}, convolution weights
   * {@code [outC, inC, k, k]}, both row-major: the layouts ONNX Gemm (transB=1) and Conv take.
   */
  public List<LayerWeights> weights() {
    List<LayerWeights> out = new ArrayList<>(weightedLayers.size());
    for (Block layer : weightedLayers) {
      var params = layer.getParameters();
      out.add(new LayerWeights(params.get("weight").getArray().toFloatArray(),
          params.get("bias").getArray().toFloatArray()));
    }
    return out;
  }

  public Architecture architecture() {
    return architecture;
  }

  public float inputScale() {
    return inputScale;
  }

  public float dropout() {
    return dropout;
  }

  /** The DJL model, for {@code newTrainer}; the network keeps ownership. */
  public Model model() {
    return model;
  }

  /** Number of classes, the width of {@link #logits}. */
  public int classes() {
    return architecture.classes();
  }

  @Override
  public String toString() {
    return architecture.spec() + " (input x " + inputScale + ", dropout " + dropout + ")";
  }

  @Override
  public void close() {
    model.close();
  }
}
