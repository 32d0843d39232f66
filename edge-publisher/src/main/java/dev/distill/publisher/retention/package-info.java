/**
 * How long model versions stay servable. The model archive would otherwise keep every version a
 * trainer ever published, and every replica would hold every artifact on disk: the rollout
 * controller prunes, per model, the versions outside the last few that no device runs and no
 * rollout names ({@link dev.distill.publisher.retention.RetentionPolicy}), by writing tombstones
 * to the archive ({@link dev.distill.publisher.retention.ArchiveRetention} decides which); every
 * replica forgets a version, and deletes its artifact, when it reads the tombstone.
 */
package dev.distill.publisher.retention;
