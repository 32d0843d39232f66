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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 */
final class ScoringProcessor implements Processor<byte[], byte[], Object, Object> {
  private static final Logger log = LoggerFactory.getLogger(ScoringProcessor.class);
  private static final byte[] PROTOBUF = ContentType.PROTOBUF.mime().getBytes(StandardCharsets.UTF_8);

  /** A buffered record; {@code sample} is null when the record was found unscorable on restore. */
  private record Pending(RawRecord raw, Sample sample, UnscorableSampleException rejected, long arrivalMs) {}

  private final ScoringOptions options;
  private final TeacherProvider teachers;
  private final ScoringMetrics metrics;
  private final Clock clock;
  private final SoftTargetEncoder encoder;
  private final List<Pending> pending = new ArrayList<>();
  private ProcessorContext<Object, Object> context;
  /** Slot i holds pending record i; slots from pending.size() on are empty. */
  private KeyValueStore<Long, byte[]> buffer;

  ScoringProcessor(ScoringOptions options, TeacherProvider teachers, ScoringMetrics metrics, Clock clock) {
    this.options = options;
    this.teachers = teachers;
    this.metrics = metrics;
    this.clock = clock;
    this.encoder = new SoftTargetEncoder(options, clock);
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.buffer = context.getStateStore(ScorerTopology.BUFFER_STORE);
    restore();
    long every = Math.max(1, options.maxWait().toMillis() / 4);
    context.schedule(Duration.ofMillis(every), PunctuationType.WALL_CLOCK_TIME, this::flushIfDue);
  }

  /**
   * Streams calls init after the task's stores are restored from their changelogs: the store
   * then holds exactly the records buffered but not scored when the last transaction committed.
   */
  private void restore() {
    pending.clear();
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
        // arrival 0: overdue, so the first punctuation scores them
        pending.add(new Pending(raw, sample, rejected, 0L));
      }
    }
    metrics.buffered(pending.size());
    if (!pending.isEmpty()) {
      log.info("task {}: {} buffered sample(s) restored from the changelog; they are scored next",
          context.taskId(), pending.size());
    }
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    metrics.received();
    RawRecord raw = raw(record, context.recordMetadata().orElseThrow());
    Sample sample;
    try {
      sample = Admission.decode(raw, options.maxSampleBytes());
    } catch (UnscorableSampleException e) {
      deadLetter(raw, e);
      return;
    }
    buffer.put((long) pending.size(), raw.toBytes());
    pending.add(new Pending(raw, sample, null, context.currentSystemTimeMs()));
    metrics.buffered(1);
    if (pending.size() >= options.maxBatch()) {
      flush();
    }
  }

  private void flushIfDue(long now) {
    if (!pending.isEmpty() && pending.get(0).arrivalMs() + options.maxWait().toMillis() <= now) {
      flush();
    }
  }

  /**
   * Scores every pending record with one teacher version, one run per group of samples of the
   * same shapes, forwards the outputs in input order, empties the buffer.
   */
  private void flush() {
    int n = pending.size();
    try (TeacherProvider.Lease lease = teachers.acquire()) {
      Teacher teacher = lease.teacher();
      UnscorableSampleException[] rejected = new UnscorableSampleException[n];
      Map<String, List<Integer>> groups = new LinkedHashMap<>();
      Admission.Fit[] fits = new Admission.Fit[n];
      for (int i = 0; i < n; i++) {
        Pending p = pending.get(i);
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
          input.add(pending.get(i).sample(), fits[i]);
        }
        long start = System.nanoTime();
        float[][] out = teacher.logits(input.batch());
        metrics.batch(input.rows(), System.nanoTime() - start);
        for (int i : group) {
          logits[i] = out;
        }
      }
      for (int i = 0; i < n; i++) {
        Pending p = pending.get(i);
        if (rejected[i] != null) {
          deadLetter(p.raw(), rejected[i]);
          continue;
        }
        double[] q = Softening.ensembleRow(logits[i], rowOf[i], teacher.numClasses(), options.temperature());
        if (q == null) {
          deadLetter(p.raw(), new UnscorableSampleException(DlqReason.NON_FINITE_OUTPUT,
              "teacher " + teacher.id() + " v" + teacher.version() + " gave a non-finite logit for this sample"));
        } else {
          forward(p, encoder.encode(p.sample(), teacher, q));
        }
      }
    }
    for (long slot = 0; slot < n; slot++) {
      buffer.delete(slot);
    }
    pending.clear();
    metrics.buffered(-n);
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
    // unscored records stay in the store: the task's next owner restores and scores them
    metrics.buffered(-pending.size());
    pending.clear();
  }
}
