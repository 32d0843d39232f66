/**
 * The student-trainer service: typed settings from {@code DISTILL_*}, the run-style entry point
 * ({@link dev.distill.trainer.service.TrainerService}) that the demo and tests call, and the
 * parts of its transactional consume–train–commit loop, one job each: the soft-target consumer,
 * intake and dead letters,
 * batch assembly with replay, test-then-train figures, the candidate commit (version, the gate's
 * decision, checkpoint and offsets in one transaction), the restore of the committed state, the
 * metrics, and the thin {@code main}.
 */
package dev.distill.trainer.service;
