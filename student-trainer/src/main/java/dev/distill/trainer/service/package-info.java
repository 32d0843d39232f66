/**
 * The student-trainer service: typed settings from {@code DISTILL_*}, the run-style entry point
 * ({@link dev.distill.trainer.service.TrainerService}) that the demo and tests call, its
 * transactional consume–train–publish loop, metrics and health, and the thin {@code main}.
 */
package dev.distill.trainer.service;
