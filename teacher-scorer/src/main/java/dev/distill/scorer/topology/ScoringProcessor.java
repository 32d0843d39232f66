package dev.distill.scorer.topology;

import dev.distill.contract.proto.Sample;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.wire.ContentType;
import dev.distill.scorer.teacher.Softening;
import dev.distill.scorer.teacher.Teacher;
import dev.distill.scorer.teacher.TeacherProvider;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every input record of one task into exactly one output: a soft target or a dead letter.
 * Records that can be scored wait in a batch, kept both in memory and in the task's changelogged
 * buffer store (see the package documentation for why that makes batching exactly-once).
 *
 * <p>A full (or overdue) batch is stacked into the teacher's input on the stream thread and run
 * on the {@code inference} executor, while the stream thread goes on reading, decoding, encoding
 * and writing: the teacher neither waits for Kafka nor Kafka for the teacher, and the inference
 * thread does nothing but run the teacher (a profile of it, when it also fitted, stacked and
 * encoded, found it outside the runtime in about half of its samples, while the runtime's other
 * intra-op thread slept). The outputs are softened,
 * encoded and forwarded later, on the stream thread, in input order, and only then are the
 * batch's records deleted from the buffer store; a batch still in flight at a commit is therefore
 * still buffered in that commit, exactly like a batch that is not full yet.
 */
final class ScoringProcessor implements Processor<byte[], byte[], Object, Object> {
  private static final Logger log = LoggerFactory.getLogger(ScoringProcessor.class);
  private static final byte[] PROTOBUF = ContentType.PROTOBUF.mime().getBytes(StandardCharsets.UTF_8);
  /**
   * Batches of one task handed to the executor and not yet forwarded, at most: one being scored
   * and one queued behind it keep the teacher busy while the stream thread fills the next; more
   * would only hold more records (and memory) in flight.
   */
  static final int MAX_IN_FLIGHT = 2;
  /** How often, at most, the stream thread looks for scored batches between records (ms). */
  private static final long FORWARD_EVERY_MS = 2;

  /**
   * A buffered record in its store slot; {@code sample} is null when the record was found
   * unscorable on restore.
   */
  private record Pending(long slot, RawRecord raw, Sample sample, UnscorableSampleException rejected, long arrivalMs) {}

  /**
   * A batch ready for the teacher: the version that scores it, each record's group of samples of
   * the same shapes (one run per group) and row in it, or why it cannot be scored.
   */
  private record Prepared(Teacher teacher, List<BatchInput> groups, int[] groupOf, int[] rowOf,
      UnscorableSampleException[] rejected) {}

  /** A batch handed to the executor; its records stay in the store until it is forwarded. */
  private record InFlight(List<Pending> records, Prepared prepared, CompletableFuture<float[][][]> logits) {}

  private final ScoringOptions options;
  private final TeacherProvider teachers;
  private final ScoringMetrics metrics;
  private final Clock clock;
  private final Executor inference;
  private final SoftTargetEncoder encoder;
  private final List<Pending> pending = new ArrayList<>();
  private final Deque<InFlight> inFlight = new ArrayDeque<>();
  /**
   * Slots of the buffer store in use (pending or in flight). A freed slot is reused, the lowest
   * first, so between two commits the changelog gets at most one entry per slot however many
   * batches went through, and never more slots than records held at once.
   */
  private final BitSet slots = new BitSet();
  private ProcessorContext<Object, Object> context;
  private KeyValueStore<Long, byte[]> buffer;

  ScoringProcessor(ScoringOptions options, TeacherProvider teachers, ScoringMetrics metrics, Clock clock, Executor inference) {
    this.options = options;
    this.teachers = teachers;
    this.metrics = metrics;
    this.clock = clock;
    this.inference = inference;
    this.encoder = new SoftTargetEncoder(options, clock);
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.buffer = context.getStateStore(ScorerTopology.BUFFER_STORE);
    restore();
    // often: it also forwards scored batches when no record comes to do it, whatever max wait is
    long every = Math.max(1, Math.min(FORWARD_EVERY_MS, options.maxWait().toMillis() / 4));
    context.schedule(Duration.ofMillis(every), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  /**
   * Streams calls init after the task's stores are restored from their changelogs: the store
   * then holds exactly the records buffered but not forwarded when the last transaction
   * committed, pending or in flight.
   */
  private void restore() {
    pending.clear();
    slots.clear();
    try (KeyValueIterator<Long, byte[]> it = buffer.all()) {
      while (it.hasNext()) {
        KeyValue<Long, byte[]> kv = it.next();
        RawRecord raw = RawRecord.fromBytes(kv.value);
        Sample sample = null;
        UnscorableSampleException rejected = null;
        try {
          sample = Admission.decode(raw, options.maxSampleBytes());
        } catch (UnscorableSampleException e) {
          rejected = e; // e.g. the size limit was lowered since: it still gets its one output
        }
        slots.set(Math.toIntExact(kv.key));
        // arrival 0: overdue, so the first punctuation scores them
        pending.add(new Pending(kv.key, raw, sample, rejected, 0L));
      }
    }
    // slots are reused, so their order is not the input order; a task reads one partition
    pending.sort(Comparator.comparing((Pending p) -> p.raw().topic()).thenComparingInt(p -> p.raw().partition())
        .thenComparingLong(p -> p.raw().offset()));
    metrics.buffered(pending.size());
    if (!pending.isEmpty()) {
      log.info("task {}: {} buffered sample(s) restored from the changelog; they are scored next",
          context.taskId(), pending.size());
    }
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    forwardScored();
    metrics.received();
    RawRecord raw = raw(record, context.recordMetadata().orElseThrow());
    Sample sample;
    try {
      sample = Admission.decode(raw, options.maxSampleBytes());
    } catch (UnscorableSampleException e) {
      deadLetter(raw, e);
      return;
    }
    int slot = slots.nextClearBit(0);
    slots.set(slot);
    buffer.put((long) slot, raw.toBytes());
    pending.add(new Pending(slot, raw, sample, null, context.currentSystemTimeMs()));
    metrics.buffered(1);
    if (pending.size() >= options.maxBatch()) {
      submit();
    }
  }

  private void punctuate(long now) {
    forwardScored();
    while (!pending.isEmpty() && pending.get(0).arrivalMs() + options.maxWait().toMillis() <= now) {
      submit();
    }
  }

  /**
   * Prepares the oldest pending records, at most a batch of them (a restore may bring back more:
   * those in flight at the last commit too), as one batch on the stream thread, so that the
   * inference thread only ever runs the teacher, and hands it to the executor; waits only when too
   * many are in flight.
   */
  private void submit() {
    List<Pending> oldest = pending.subList(0, Math.min(pending.size(), options.maxBatch()));
    List<Pending> batch = List.copyOf(oldest);
    oldest.clear();
    TeacherProvider.Lease lease = teachers.acquire();
    CompletableFuture<float[][][]> logits = new CompletableFuture<>();
    Prepared prepared;
    try {
      prepared = prepare(batch, lease.teacher());
      inference.execute(() -> run(prepared, logits, lease));
    } catch (RuntimeException | Error e) {
      lease.close();
      throw e;
    }
    inFlight.add(new InFlight(batch, prepared, logits));
    while (inFlight.size() > MAX_IN_FLIGHT) {
      forward(inFlight.poll());
    }
    forwardScored();
  }

  /** Fits every record to the teacher and stacks the samples of each shape into one input. */
  private static Prepared prepare(List<Pending> batch, Teacher teacher) {
    int n = batch.size();
    UnscorableSampleException[] rejected = new UnscorableSampleException[n];
    Map<String, List<Integer>> groups = new LinkedHashMap<>();
    Admission.Fit[] fits = new Admission.Fit[n];
    for (int i = 0; i < n; i++) {
      Pending p = batch.get(i);
      rejected[i] = p.rejected();
      if (rejected[i] == null) {
        try {
          fits[i] = Admission.fit(p.sample(), teacher);
          groups.computeIfAbsent(fits[i].key(), k -> new ArrayList<>()).add(i);
        } catch (UnscorableSampleException e) {
          rejected[i] = e;
        }
      }
    }
    List<BatchInput> inputs = new ArrayList<>();
    int[] groupOf = new int[n];
    int[] rowOf = new int[n];
    for (List<Integer> group : groups.values()) {
      BatchInput input = new BatchInput(teacher.manifest(), fits[group.get(0)], group.size());
      for (int i : group) {
        groupOf[i] = inputs.size();
        rowOf[i] = input.rows();
        input.add(batch.get(i).sample(), fits[i]);
      }
      inputs.add(input);
    }
    return new Prepared(teacher, inputs, groupOf, rowOf, rejected);
  }

  /**
   * On the executor: runs the teacher on every group of a batch. Touches neither the context nor
   * the store, which belong to the stream thread. Always runs, also for a batch whose task has
   * closed meanwhile (it then skips the teacher), so that the lease is always released, and
   * released here, never under a running batch.
   */
  private void run(Prepared p, CompletableFuture<float[][][]> out, TeacherProvider.Lease lease) {
    try {
      if (out.isDone()) {
        return;
      }
      float[][][] logits = new float[p.groups().size()][][];
      for (int g = 0; g < logits.length; g++) {
        BatchInput input = p.groups().get(g);
        long start = System.nanoTime();
        logits[g] = p.teacher().logits(input.batch());
        metrics.batch(input.rows(), System.nanoTime() - start);
      }
      out.complete(logits);
    } catch (Throwable t) {
      out.completeExceptionally(t);
    } finally {
      lease.close();
    }
  }

  /** Forwards the batches whose scoring is done, oldest first, up to the first that is not. */
  private void forwardScored() {
    while (!inFlight.isEmpty() && inFlight.peek().logits().isDone()) {
      forward(inFlight.poll());
    }
  }

  /**
   * Softens and forwards a batch's outputs in input order (waiting for its logits if need be) and
   * frees its slots. A failure of the teacher is rethrown here, on the stream thread: it stops the
   * thread and aborts the transaction, and the batch's records are read or restored again.
   */
  private void forward(InFlight batch) {
    float[][][] logits;
    try {
      logits = batch.logits().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
    Prepared p = batch.prepared();
    Teacher teacher = p.teacher();
    List<Pending> records = batch.records();
    for (int i = 0; i < records.size(); i++) {
      Pending r = records.get(i);
      if (p.rejected()[i] != null) {
        deadLetter(r.raw(), p.rejected()[i]);
        continue;
      }
      double[] q = Softening.ensembleRow(logits[p.groupOf()[i]], p.rowOf()[i], teacher.numClasses(),
          options.temperature());
      if (q == null) {
        deadLetter(r.raw(), new UnscorableSampleException(DlqReason.NON_FINITE_OUTPUT,
            "teacher " + teacher.id() + " v" + teacher.version() + " gave a non-finite logit for this sample"));
      } else {
        forward(r, encoder.encode(r.sample(), teacher, q));
      }
    }
    for (Pending r : records) {
      buffer.delete(r.slot());
      slots.clear((int) r.slot());
    }
    metrics.buffered(-records.size());
  }

  private void forward(Pending p, SoftTarget target) {
    Headers headers = new RecordHeaders().add(ContentType.HEADER, PROTOBUF);
    context.forward(new Record<>(target.getSampleId(), target, p.raw().timestamp(), headers), ScorerTopology.SOFT_TARGETS);
    metrics.scored(target.getEventTimeMs(), clock.millis());
  }

  private void deadLetter(RawRecord raw, UnscorableSampleException problem) {
    context.forward(DeadLetters.of(raw, problem), ScorerTopology.DEAD_LETTERS);
    metrics.deadLettered(problem.reason());
    log.debug("dead letter {} ({}): {}", raw.position(), problem.reason().code(), problem.getMessage());
  }

  private static RawRecord raw(Record<byte[], byte[]> record, RecordMetadata meta) {
    return new RawRecord(record.key(), record.value(), record.headers().toArray(),
        meta.topic(), meta.partition(), meta.offset(), record.timestamp());
  }

  @Override
  public void close() {
    // unforwarded records stay in the store, pending or in flight: the task's next owner restores
    // and scores them; a batch not started yet is not started at all
    int held = pending.size();
    for (InFlight batch : inFlight) {
      batch.logits().cancel(false);
      held += batch.records().size();
    }
    metrics.buffered(-held);
    pending.clear();
    inFlight.clear();
    slots.clear();
  }
}
