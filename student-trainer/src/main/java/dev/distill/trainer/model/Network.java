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
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import dev.distill.contract.model.Architecture;
import dev.distill.trainer.engine.TrainingEngine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DJL network built from an {@link Architecture}, taking the raw inputs its {@link
 * StudentInputs} declare, as its ONNX export does: each input's preprocessing ({@code x * scale
 * - mean) / std}, per channel) is the first operation, then the input is viewed as the layers
 * need it ({@code [N, D]} for an mlp, {@code [N, C, H, W]} for a cnn), so DJL and ONNX Runtime
 * compute the same logits from the same bytes. A token network takes int64 ids and a mask.
 *
 * <p>Dropout layers (after every hidden ReLU) act only in training forward passes; batch norms
 * use the batch's statistics in training and their running ones in {@link #logits} and in the
 * ONNX export. The network owns a DJL {@link Model}, which owns the weights: close the network
 * to free them.
 */
public final class Network implements AutoCloseable {
  /** Scale of uint8 images (MNIST, Fashion-MNIST): pixels 0..255 become 0..1. */
  public static final float PIXEL_SCALE = StudentInputs.PIXEL_SCALE;

  private final Architecture architecture;
  private final StudentInputs inputs;
  private final float dropout;
  private final Model model;
  private final List<Block> weightedLayers;
  /** Which input goes where in the block's NDList: a token bag takes (ids, mask). */
  private final int[] order;

  private Network(Architecture architecture, StudentInputs inputs, float dropout, Model model, List<Block> layers) {
    this.architecture = architecture;
    this.inputs = inputs;
    this.dropout = dropout;
    this.model = model;
    this.weightedLayers = List.copyOf(layers);
    this.order = architecture instanceof Architecture.Tok
        ? (inputs.tokenMask() < 0 ? new int[] {0} : new int[] {inputs.tokenIds(), inputs.tokenMask()})
        : new int[] {0};
  }

  /**
   * Builds an untrained network on the legacy input {@code pixels [N, D]}.
   *
   * @param inputScale factor applied to the raw input first ({@link #PIXEL_SCALE} for images)
   * @param dropout    rate of the dropout after each hidden layer, 0 for none
   */
  public static Network create(TrainingEngine engine, Architecture architecture, float inputScale, float dropout) {
    return create(engine, architecture, StudentInputs.pixels(architecture.inputSize(), inputScale), dropout);
  }

  /**
   * Builds an untrained network on the given inputs; its weights exist once a trainer is
   * initialized on it, or after {@link #initialize()}.
   *
   * @param dropout rate of the dropout after each hidden layer, 0 for none
   * @throws IllegalArgumentException when the architecture cannot take the inputs
   */
  public static Network create(TrainingEngine engine, Architecture architecture, StudentInputs inputs,
      float dropout) {
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be at least 0 and below 1, got " + dropout);
    }
    inputs.check(architecture);
    SequentialBlock block = new SequentialBlock();
    List<Block> weighted = new ArrayList<>();
    if (architecture instanceof Architecture.Tok tok) {
      Block bag = new TokenBag(tok.vocab(), tok.embedding());
      weighted.add(bag);
      block.add(bag);
      addDense(block, weighted, tok.hidden(), tok.classes(), dropout);
    } else if (architecture instanceof Architecture.Cnn cnn) {
      StudentInputs.Input in = inputs.inputs().get(0);
      block.add(LambdaBlock.singleton(x -> preprocess(x, in).reshape(-1, cnn.channels(), cnn.height(), cnn.width()),
          "image"));
      Shape kernel = new Shape(Architecture.Cnn.KERNEL, Architecture.Cnn.KERNEL);
      Shape padding = new Shape(Architecture.Cnn.PADDING, Architecture.Cnn.PADDING);
      Shape pool = new Shape(Architecture.Cnn.POOL, Architecture.Cnn.POOL);
      for (Architecture.Cnn.Conv c : cnn.convs()) {
        Block conv = Conv2d.builder().setKernelShape(kernel).optPadding(padding).setFilters(c.filters()).build();
        weighted.add(conv);
        block.add(conv);
        if (c.batchNorm()) {
          Block bn = BatchNorm.builder().optEpsilon(Architecture.Cnn.BN_EPSILON)
              .optMomentum(Architecture.Cnn.BN_MOMENTUM).build();
          weighted.add(bn);
          block.add(bn);
        }
        block.add(Activation.reluBlock()).add(Pool.maxPool2dBlock(pool, pool));
      }
      block.add(Blocks.batchFlattenBlock());
      addDense(block, weighted, cnn.hidden(), cnn.classes(), dropout);
    } else {
      Architecture.Mlp mlp = (Architecture.Mlp) architecture;
      StudentInputs.Input in = inputs.inputs().get(0);
      block.add(LambdaBlock.singleton(x -> preprocess(x, in).reshape(-1, mlp.inputSize()), "features"));
      addDense(block, weighted, mlp.hidden(), mlp.classes(), dropout);
    }
    Model model = engine.newModel(architecture.spec());
    model.setBlock(block);
    return new Network(architecture, inputs, dropout, model, weighted);
  }

  /** {@code (x * scale - mean) / std} in float32, the arithmetic of the export's first nodes. */
  static NDArray preprocess(NDArray x, StudentInputs.Input in) {
    NDArray y = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
    if (in.scale() != 1f) {
      y = y.mul(in.scale());
    }
    float[] mean = in.mean();
    if (mean != null) {
      y = y.sub(x.getManager().create(mean, new Shape(in.constantShape(mean.length))));
    }
    float[] std = in.std();
    if (std != null) {
      y = y.div(x.getManager().create(std, new Shape(in.constantShape(std.length))));
    }
    return y;
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
    model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, inputShapes(1));
  }

  /** The input shapes for {@code batch} samples (a symbolic length as 1), for initializing a trainer. */
  public Shape[] inputShapes(int batch) {
    Shape[] out = new Shape[order.length];
    for (int i = 0; i < order.length; i++) {
      StudentInputs.Input in = inputs.inputs().get(order[i]);
      long[] dims = new long[in.sampleShape().size() + 1];
      dims[0] = batch;
      for (int d = 1; d < dims.length; d++) {
        dims[d] = Math.max(1, in.sampleShape().get(d - 1).size());
      }
      out[i] = new Shape(dims);
    }
    return out;
  }

  /** The shape of a batch of a one-input network's only input, e.g. {@code [batch, D]}. */
  public Shape inputShape(int batch) {
    if (order.length != 1) {
      throw new IllegalStateException(this + " takes more than one input");
    }
    return inputShapes(batch)[0];
  }

  /**
   * The engine arrays of a batch, in the order the block takes them, on the network's device.
   *
   * @param feeds one per input of {@link #inputs()}, in its order
   */
  public NDList arrays(NDManager manager, List<Feed> feeds, int rows) {
    if (feeds.size() != inputs.inputs().size()) {
      throw new IllegalArgumentException(feeds.size() + " input arrays for the inputs " + inputs);
    }
    NDList out = new NDList(order.length);
    for (int i : order) {
      Feed f = feeds.get(i);
      Shape shape = new Shape(inputs.inputs().get(i).batchShape(rows, f.length()));
      out.add(f.toArray(manager, shape).toDevice(model.getNDManager().getDevice(), false));
    }
    return out;
  }

  /**
   * Inference forward pass (dropout off, batch norms on running statistics) on {@code rows}
   * raw samples, one feed per input.
   *
   * @param manager owns the arrays of this call; pass a short-lived sub-manager
   * @return the logits, {@code rows x C}, row-major
   */
  public float[] logits(NDManager manager, List<Feed> feeds, int rows) {
    NDList out = model.getBlock().forward(new ParameterStore(manager, false), arrays(manager, feeds, rows), false);
    return out.singletonOrThrow().toFloatArray();
  }

  /** {@link #logits(NDManager, List, int)} of a network with one float input. */
  public float[] logits(NDManager manager, float[] features, int rows) {
    return logits(manager, List.of(new Feed.Floats(features)), rows);
  }

  /**
   * The trained parameters of every layer that has some, in the order the architecture names
   * them: token bag, or each convolution and its batch norm; then the dense layers. Dense
   * weights are {@code [out, in]}, convolution weights {@code [outC, inC, k, k]}, both row-major:
   * the layouts ONNX Gemm (transB=1) and Conv take.
   */
  public List<LayerWeights> weights() {
    List<LayerWeights> out = new ArrayList<>(weightedLayers.size());
    for (Block layer : weightedLayers) {
      Map<String, float[]> arrays = new LinkedHashMap<>();
      layer.getParameters().forEach(p -> arrays.put(p.getKey(), p.getValue().getArray().toFloatArray()));
      out.add(LayerWeights.of(arrays));
    }
    return out;
  }

  public Architecture architecture() {
    return architecture;
  }

  public StudentInputs inputs() {
    return inputs;
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
    return architecture.spec() + " (inputs " + inputs + ", dropout " + dropout + ")";
  }

  @Override
  public void close() {
    model.close();
  }
}
