package dev.distill.scorer.teacher;

import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/** A teacher that counts its closes and answers zeros. */
final class FakeTeacher implements Teacher {
  final int version;
  final AtomicInteger closes = new AtomicInteger();

  FakeTeacher(int version) {
    this.version = version;
  }

  @Override
  public String id() {
    return "fake";
  }

  @Override
  public int version() {
    return version;
  }

  @Override
  public int ensembleSize() {
    return 1;
  }

  @Override
  public int inputSize() {
    return 4;
  }

  @Override
  public int numClasses() {
    return 2;
  }

  @Override
  public float[][] logits(FloatBuffer batch, int rows) {
    return new float[][] {new float[rows * 2]};
  }

  @Override
  public void close() {
    closes.incrementAndGet();
  }

  boolean closed() {
    return closes.get() > 0;
  }
}
