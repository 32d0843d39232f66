package dev.distill.trainer.service;

import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.wire.SoftTargets;
import dev.distill.contract.wire.Tensors;
import dev.distill.trainer.stream.Example;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Turns a consumed soft-target record into an {@link Example}, or sends it to the dead-letter
 * topic (in the open transaction) with the reason. The one place that knows how a soft target's
 * features become the student's input.
 */
final class Intake {
  static final String DLQ_REASON = "distill.dlq.reason";
  static final String DLQ_MESSAGE = "distill.dlq.message";
  static final String DLQ_EXCEPTION = "distill.dlq.exception";
  static final String DLQ_SOURCE_TOPIC = "distill.dlq.source.topic";
  static final String DLQ_SOURCE_PARTITION = "distill.dlq.source.partition";
  static final String DLQ_SOURCE_OFFSET = "distill.dlq.source.offset";

  /** Who scored the latest accepted soft target (the provenance of the next version). */
  record Teacher(String id, String version, float temperature) {}

  private final int features;
  private final int classes;
  private final String deadLetterTopic;
  private final Outbox outbox;
  private final Counter deadLetterCounter;
  private Teacher teacher = new Teacher("", "", 0f);
  private long deadLettered;

  Intake(int features, int classes, String deadLetterTopic, Outbox outbox, Counter deadLetterCounter) {
    this.features = features;
    this.classes = classes;
    this.deadLetterTopic = deadLetterTopic;
    this.outbox = outbox;
    this.deadLetterCounter = deadLetterCounter;
  }

  /** The record as an example, or null after sending it to the dead-letter topic. */
  Example accept(ConsumerRecord<String, byte[]> r) {
    SoftTarget t;
    float[] x;
    float[] probs;
    try {
      t = SoftTargets.decode(r.value());
      x = Tensors.toFloats(t.getFeatures());
      probs = SoftTargets.dense(t);
    } catch (RuntimeException e) {
      deadLetter(r, "undecodable", e.getMessage(), e);
      return null;
    }
    if (x.length != features) {
      deadLetter(r, "feature-count", "the student takes " + features + " features, the soft target has " + x.length,
          null);
      return null;
    }
    if (t.getNumClasses() != classes) {
      deadLetter(r, "class-count", "the student has " + classes + " classes, the soft target " + t.getNumClasses(),
          null);
      return null;
    }
    teacher = new Teacher(t.getTeacherId(), t.getTeacherVersion(), t.getTemperature());
    // the record key is the sample id by contract; the id inside the record wins when both exist
    String id = t.getSampleId().isEmpty() ? String.valueOf(r.key()) : t.getSampleId();
    return new Example(id, x, probs, t.getTemperature(), t.hasLabel() ? t.getLabel() : -1);
  }

  private void deadLetter(ConsumerRecord<String, byte[]> r, String reason, String message, Exception e) {
    ProducerRecord<String, byte[]> out = new ProducerRecord<>(deadLetterTopic, r.key(), r.value());
    out.headers().add(DLQ_REASON, utf8(reason));
    out.headers().add(DLQ_MESSAGE, utf8(String.valueOf(message)));
    if (e != null) {
      out.headers().add(DLQ_EXCEPTION, utf8(e.getClass().getName()));
    }
    out.headers().add(DLQ_SOURCE_TOPIC, utf8(r.topic()));
    out.headers().add(DLQ_SOURCE_PARTITION, utf8(Integer.toString(r.partition())));
    out.headers().add(DLQ_SOURCE_OFFSET, utf8(Long.toString(r.offset())));
    outbox.send(out);
    deadLettered++;
    deadLetterCounter.increment();
  }

  Teacher teacher() {
    return teacher;
  }

  long deadLettered() {
    return deadLettered;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
