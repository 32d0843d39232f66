/**
 * Teachers through Kafka instead of a shared volume: {@link dev.distill.scorer.sync.TeacherPush}
 * publishes a stored teacher version to the compacted teacher topic in chunks, its commit last
 * ({@code distill teacher push}), and {@link dev.distill.scorer.sync.TeacherSync} (with {@code
 * DISTILL_TEACHER_SYNC=true}) reads the topic on every scorer replica and installs each complete,
 * verified version into the local teacher store, where the teacher poller swaps it in. The
 * record format and its rules are the contract's ({@code TeacherRecord}, {@code TeacherRecords}).
 */
package dev.distill.scorer.sync;
