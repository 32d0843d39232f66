package dev.distill.scorer.teacher;

/**
 * Where the topology gets the teacher for a batch. A lease pins one version for the whole
 * batch, so a batch is scored entirely by one version even while a new one is swapped in.
 */
public interface TeacherProvider {
  /** The teacher to score the next batch with; close the lease when the batch is done. */
  Lease acquire();

  /** One batch's hold on a teacher version. */
  interface Lease extends AutoCloseable {
    Teacher teacher();

    @Override
    void close();
  }
}
