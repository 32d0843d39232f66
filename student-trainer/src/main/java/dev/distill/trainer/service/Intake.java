package dev.distill.trainer.service;

import dev.distill.contract.model.InputBinding;
import dev.distill.contract.model.TeacherManifest;
import dev.distill.contract.proto.SoftTarget;
import dev.distill.contract.proto.Tensor;
import dev.distill.contract.wire.DeadLetterHeaders;
import dev.distill.contract.wire.SoftTargets;
import dev.distill.contract.wire.Tensors;
import dev.distill.trainer.model.Feed;
import dev.distill.trainer.model.StudentInputs;
import dev.distill.trainer.stream.Example;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Turns a consumed soft-target record into an {@link Example}, or sends it to the dead-letter
 * topic (in the open transaction) with the reason. The one place that knows how a soft target's
 * features become the student's input.
 *
 * <p>In two halves: {@link #decode} reads nothing but the record and the settings, so it runs on
 * the consumer's thread ahead of training ({@link SoftTargetSource}); {@link #accept} acts on the
 * result on the training thread, where the dead letter joins the transaction that commits its
 * offset.
 */
final class Intake {
  /** Who scored the latest accepted soft target (the provenance of the next version). */
  record Teacher(String id, String version, float temperature) {}

  /** A decoded record: the example and who scored it, or why it goes to the dead-letter topic. */
  record Decoded(Example example, Teacher teacher, String reason, String message, Exception error) {
    static Decoded rejected(String reason, String message, Exception error) {
      return new Decoded(null, null, reason, message, error);
    }
  }

  private final StudentInputs inputs;
  private final Optional<TeacherManifest> teacherManifest;
  private final int classes;
  private final String deadLetterTopic;
  private final Outbox outbox;
  private final Counter deadLetterCounter;
  private Teacher teacher = new Teacher("", "", 0f);
  private long deadLettered;

  Intake(StudentInputs inputs, Optional<TeacherManifest> teacherManifest, int classes, String deadLetterTopic,
      Outbox outbox, Counter deadLetterCounter) {
    this.inputs = inputs;
    this.teacherManifest = teacherManifest;
    this.classes = classes;
    this.deadLetterTopic = deadLetterTopic;
    this.outbox = outbox;
    this.deadLetterCounter = deadLetterCounter;
  }

  /** {@link #decode}'s result acted on: the example, or null after sending the record to the dead-letter topic. */
  Example accept(ConsumerRecord<String, byte[]> r, Decoded d) {
    if (d.example() == null) {
      deadLetter(r, d.reason(), d.message(), d.error());
      return null;
    }
    teacher = d.teacher();
    return d.example();
  }

  /** The record as an example, or why not; safe on any thread. */
  Decoded decode(ConsumerRecord<String, byte[]> r) {
    SoftTarget t;
    float[] probs;
    try {
      t = SoftTargets.decode(r.value());
      probs = SoftTargets.dense(t);
    } catch (RuntimeException e) {
      return Decoded.rejected("undecodable", e.getMessage(), e);
    }
    List<Feed> x = new ArrayList<>(inputs.inputs().size());
    String problem = feeds(SoftTargets.inputs(t), x);
    if (problem != null) {
      return Decoded.rejected("feature-count", problem, null);
    }
    if (t.getNumClasses() != classes) {
      return Decoded.rejected("class-count", "the student has " + classes + " classes, the soft target "
          + t.getNumClasses(), null);
    }
    // the record key is the sample id by contract; the id inside the record wins when both exist
    String id = t.getSampleId().isEmpty() ? String.valueOf(r.key()) : t.getSampleId();
    return new Decoded(new Example(id, x, probs, t.getTemperature(), t.hasLabel() ? t.getLabel() : -1),
        new Teacher(t.getTeacherId(), t.getTeacherVersion(), t.getTemperature()), null, null, null);
  }

  /**
   * The sample's tensors as one feed per student input (by the teacher's mapping, by name, or the
   * lone tensor for the lone input), or what does not fit.
   */
  private String feeds(Map<String, Tensor> tensors, List<Feed> out) {
    for (int i = 0; i < inputs.inputs().size(); i++) {
      StudentInputs.Input in = inputs.inputs().get(i);
      String name;
      if (teacherManifest.isPresent()) {
        String[] problem = new String[1];
        name = InputBinding.pick(teacherManifest.get(), i, tensors, problem);
        if (name == null) {
          return problem[0];
        }
      } else {
        name = tensors.containsKey(in.name()) ? in.name()
            : inputs.inputs().size() == 1 && tensors.size() == 1 ? tensors.keySet().iterator().next() : null;
        if (name == null) {
          return "the student's input '" + in.name() + "' has no tensor in the soft target " + tensors.keySet();
        }
      }
      Tensor t = tensors.get(name);
      long size = in.fixedSize();
      long count = Tensors.elementCount(t);
      if (size >= 0 && count != size) {
        return "the student's input '" + in.name() + "' takes " + size + " values per sample, tensor '" + name
            + "' has " + count + " (" + Tensors.describe(t) + ")";
      }
      if (in.integer()) {
        if (Tensors.isFloatingPoint(t.getDtype())) {
          return "the student's input '" + in.name() + "' takes whole numbers, tensor '" + name + "' is "
              + Tensors.describe(t);
        }
        out.add(new Feed.Longs(Tensors.toLongs(t)));
      } else {
        out.add(new Feed.Floats(Tensors.toFloats(t)));
      }
    }
    return null;
  }

  private void deadLetter(ConsumerRecord<String, byte[]> r, String reason, String message, Exception e) {
    ProducerRecord<String, byte[]> out = new ProducerRecord<>(deadLetterTopic, r.key(), r.value());
    out.headers().add(DeadLetterHeaders.REASON, utf8(reason));
    out.headers().add(DeadLetterHeaders.MESSAGE, utf8(String.valueOf(message)));
    if (e != null) {
      out.headers().add(DeadLetterHeaders.EXCEPTION, utf8(e.getClass().getName()));
    }
    out.headers().add(DeadLetterHeaders.SOURCE_TOPIC, utf8(r.topic()));
    out.headers().add(DeadLetterHeaders.SOURCE_PARTITION, utf8(Integer.toString(r.partition())));
    out.headers().add(DeadLetterHeaders.SOURCE_OFFSET, utf8(Long.toString(r.offset())));
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
