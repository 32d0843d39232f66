/**
 * The scorer's Kafka Streams topology ({@link dev.distill.scorer.topology.ScorerTopology}): every
 * record read from the samples topic leaves as exactly one soft target or exactly one dead letter
 * (with a {@link dev.distill.scorer.topology.DlqReason}), exactly once, crashes included.
 *
 * <h2>Why micro-batching is exactly-once</h2>
 *
 * <p>The application runs with {@code processing.guarantee=exactly_once_v2}: between two commits,
 * one Kafka transaction per stream thread holds (a) the records written to the soft-target and
 * dead-letter topics, (b) the writes to the changelog of the {@code batch-buffer} store and (c)
 * the consumed input offsets. All of it becomes visible (to {@code read_committed} readers and to
 * a later restore), or none of it.
 *
 * <p>A record that can be scored is put into the buffer store (key: its slot in the task's
 * pending batch; value: the record exactly as it arrived) in the call that reads it, and the
 * batch's slots are deleted in the call that forwards its soft targets. So the store always holds
 * exactly the pending records, and at every commit, for each input record up to the
 * committed offset, either its output is committed or the record is in the committed buffer:
 * never both, never neither. (A record that cannot be decoded gets its dead letter at once and
 * never enters the buffer.)
 *
 * <p>After a crash the open transaction is aborted: its outputs are never seen by {@code
 * read_committed} readers, its changelog writes are not restored, and its input is read again
 * from the committed offset. Streams restores the task's store from the committed changelog
 * before it calls the processor's {@code init}, so {@code init} finds exactly the records that
 * were buffered but unscored at the last commit; it rebuilds the in-memory batch from them and
 * they are scored first (the first punctuation finds them overdue). The same happens when a task
 * moves to another instance on a rebalance: the old owner commits on revocation, the new one
 * restores and scores. The in-memory list of pending records is only a fast mirror of the store;
 * it is never the record of truth across a commit.
 *
 * <p>Details that keep the argument true:
 *
 * <ul>
 *   <li>A batch is handed to an inference thread when full (in {@code process}) or when its
 *       oldest record has waited the maximum wait (a {@code WALL_CLOCK_TIME} punctuator). The
 *       inference thread only runs the teacher: it touches neither the processor context nor the
 *       store.
 *       Outputs are forwarded only on the stream thread, inside its current transaction, batch
 *       after batch in input order, and a batch's slots are deleted in that same call. A batch
 *       still being scored at a commit is therefore in the committed buffer, like one not yet
 *       full, and a task closed meanwhile leaves it there for its next owner.
 *   <li>The store is cached; Streams flushes the cache into the store and its changelog before
 *       every commit, in the same transaction. Freed slots are reused (the lowest first), so
 *       between two commits the changelog gets at most one entry per slot (the record in it, or a
 *       tombstone), however many batches went through: a record buffered and scored between two
 *       commits costs the changelog nothing. Since slots are reused out of input order, a restore
 *       orders the records by offset.
 *   <li>A batch holds a lease on one teacher version from its first row to the end of its run
 *       (its outputs then name that version), so a hot swap lands between batches. A record re-scored after a crash may get a
 *       newer version than the aborted attempt used; only the committed soft target exists, and it
 *       names the version that scored it.
 *   <li>An inference failure (the runtime, not a sample) is thrown, not dead-lettered: rethrown
 *       on the stream thread when it comes to forward that batch, it stops the stream thread, the
 *       transaction aborts, nothing is lost, and the restarted service scores from the committed
 *       state. A non-finite logit for one sample is that sample's dead letter.
 *   <li>Exactly-once covers Kafka to Kafka only; the scorer has no other side effect (it reads
 *       the teacher store, never writes it).
 * </ul>
 */
package dev.distill.scorer.topology;
