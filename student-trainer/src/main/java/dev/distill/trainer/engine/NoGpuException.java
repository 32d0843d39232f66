package dev.distill.trainer.engine;

/** A GPU was required ({@link TrainingDevice#GPU}) and PyTorch sees none; the message says why in one sentence. */
public final class NoGpuException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  NoGpuException(String sentence) {
    super(sentence);
  }
}
