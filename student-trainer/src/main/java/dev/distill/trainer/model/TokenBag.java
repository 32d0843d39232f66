package dev.distill.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * An embedding bag: int64 ids {@code [N, L]} (and a mask {@code [N, L]}, or none: then id 0 is
 * padding) to the mean of the embeddings of the masked-in positions, {@code [N, E]}:
 * {@code sum(emb * mask) / max(sum(mask), 1)}, so an all-padding sample gives zeros, not NaN.
 * Ids outside {@code 0..vocab-1} are clamped into it, as the ONNX export's {@code Clip} does.
 */
public final class TokenBag extends AbstractBlock {
  /** The parameter's name, {@code [vocab, embedding]}. */
  public static final String TABLE = "embedding";

  private final int vocab;
  private final int embedding;
  private final Parameter table;

  public TokenBag(int vocab, int embedding) {
    this.vocab = vocab;
    this.embedding = embedding;
    this.table = addParameter(Parameter.builder().setName(TABLE).setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(vocab, embedding)).build());
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray ids = inputs.get(0);
    NDArray mask = (inputs.size() > 1 ? inputs.get(1) : ids.gt(0)).toType(DataType.FLOAT32, false);
    NDArray w = store.getValue(table, ids.getDevice(), training);
    NDArray emb = Embedding.embedding(ids.clip(0, vocab - 1), w, SparseFormat.DENSE).singletonOrThrow();
    NDArray sum = emb.mul(mask.expandDims(2)).sum(new int[] {1});
    NDArray count = mask.sum(new int[] {1}, true).maximum(1f);
    return new NDList(sum.div(count));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), embedding)};
  }
}
