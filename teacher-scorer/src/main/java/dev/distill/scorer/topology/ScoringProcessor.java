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
 * <p>A full (or overdue) batch is scored on the {@code inference} executor while the stream
 * thread goes on reading, decoding and writing: the teacher neither waits for Kafka nor Kafka for
 * the teacher. Its outputs are forwarded later, on the stream thread, in input order, and only
 * then are its records deleted from the buffer store; a batch still in flight at a commit is
 * therefore still buffered in that commit, exactly like a batch that is not full yet.
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

  /** What one record of a scored batch becomes: a soft target, or the reason for its dead letter. */
  private record Outcome(SoftTarget target, UnscorableSampleException rejected) {}

  /** A batch handed to the executor; its records stay in the store until it is forwarded. */
  private record InFlight(List<Pending> records, CompletableFuture<Outcome[]> outcomes) {}

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
    if (!pending.isEmpty() && pending.get(0).arrivalMs() + options.maxWait().toMillis() <= now) {
      submit();
    }
  }

  /** Hands the pending records to the executor as one batch; waits only when too many are in flight. */
  private void submit() {
    List<Pending> batch = List.copyOf(pending);
    pending.clear();
    inFlight.add(new InFlight(batch, CompletableFuture.supplyAsync(() -> score(batch), inference)));
    while (inFlight.size() > MAX_IN_FLIGHT) {
      forward(inFlight.poll());
    }
    forwardScored();
  }

  /** Forwards the batches whose scoring is done, oldest first, up to the first that is not. */
  private void forwardScored() {
    while (!inFlight.isEmpty() && inFlight.peek().outcomes().isDone()) {
      forward(inFlight.poll());
    }
  }

  /**
   * Forwards a batch's outputs in input order (waiting for them if need be) and frees its slots.
   * A failure of the teacher is rethrown here, on the stream thread: it stops the thread and
   * aborts the transaction, and the batch's records are read or restored again.
   */
  private void forward(InFlight batch) {
    Outcome[] outcomes;
    try {
      outcomes = batch.outcomes().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
    List<Pending> records = batch.records();
    for (int i = 0; i < outcomes.length; i++) {
      Pending p = records.get(i);
      if (outcomes[i].target() != null) {
        forward(p, outcomes[i].target());
      } else {
        deadLetter(p.raw(), outcomes[i].rejected());
      }
    }
    for (Pending p : records) {
      buffer.delete(p.slot());
      slots.clear((int) p.slot());
    }
    metrics.buffered(-records.size());
  }

  /**
   * On the executor: scores the batch with one teacher version, one run per group of samples of
   * the same shapes. Touches neither the context nor the store, which belong to the stream thread.
   */
  private Outcome[] score(List<Pending> batch) {
    int n = batch.size();
    Outcome[] outcomes = new Outcome[n];
    try (TeacherProvider.Lease lease = teachers.acquire()) {
      Teacher teacher = lease.teacher();
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
      float[][][] logits = new float[n][][];
      int[] rowOf = new int[n];
      for (List<Integer> group : groups.values()) {
        BatchInput input = new BatchInput(teacher.manifest(), fits[group.get(0)], group.size());
        for (int i : group) {
          rowOf[i] = input.rows();
          input.add(batch.get(i).sample(), fits[i]);
        }
        long start = System.nanoTime();
        float[][] out = teacher.logits(input.batch());
        metrics.batch(input.rows(), System.nanoTime() - start);
        for (int i : group) {
          logits[i] = out;
        }
      }
      for (int i = 0; i < n; i++) {
        if (rejected[i] != null) {
          outcomes[i] = new Outcome(null, rejected[i]);
          continue;
        }
        double[] q = Softening.ensembleRow(logits[i], rowOf[i], teacher.numClasses(), options.temperature());
        outcomes[i] = q == null
            ? new Outcome(null, new UnscorableSampleException(DlqReason.NON_FINITE_OUTPUT,
                "teacher " + teacher.id() + " v" + teacher.version() + " gave a non-finite logit for this sample"))
            : new Outcome(encoder.encode(batch.get(i).sample(), teacher, q), null);
      }
    }
    return outcomes;
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
      batch.outcomes().cancel(false);
      held += batch.records().size();
    }
    metrics.buffered(-held);
    pending.clear();
    inFlight.clear();
    slots.clear();
  }
}
