package dev.distill.cli.gpu;

/** The GPU check failed, or could not start because there is no usable GPU; the message says which in one sentence. */
public final class GpuCheckException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GpuCheckException(String sentence) {
    super(sentence);
  }
}
