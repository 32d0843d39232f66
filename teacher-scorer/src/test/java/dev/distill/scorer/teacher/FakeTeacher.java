package dev.distill.scorer.teacher;

import dev.distill.contract.model.TeacherManifest;
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
  public TeacherManifest manifest() {
    return TeacherManifest.legacy(4, 2, java.util.Map.of());
  }

  @Override
  public float[][] logits(TeacherBatch batch) {
    return new float[][] {new float[batch.rows() * 2]};
  }

  @Override
  public void close() {
    closes.incrementAndGet();
  }

  boolean closed() {
    return closes.get() > 0;
  }
}
