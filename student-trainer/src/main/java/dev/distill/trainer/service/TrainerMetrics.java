package dev.distill.trainer.service;

import dev.distill.platform.http.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.DoubleSupplier;

/** The trainer's Micrometer meters ({@code distill.trainer.*}, tagged with the model), and the values behind its gauges. */
final class TrainerMetrics {
  final PrometheusMeterRegistry registry;
  final Counter samples;
  final Counter heldOut;
  final Counter published;
  final Counter rejected;
  final Counter unjudged;
  final Counter skipped;
  final Counter deadLetters;
  volatile double softLoss = Double.NaN;
  volatile double hardLoss = Double.NaN;
  volatile double prequential = Double.NaN;
  volatile double agreement = Double.NaN;
  volatile double candidateAccuracy = Double.NaN;
  volatile double publishedAccuracy = Double.NaN;
  volatile double candidateAgreement = Double.NaN;
  volatile double publishedAgreement = Double.NaN;
  volatile double sliceExamples;
  volatile double sliceLabelled;
  volatile double lag;
  /** System.nanoTime() when the training loop last came round. */
  volatile long loopNanos = System.nanoTime();

  TrainerMetrics(String model, DoubleSupplier publishedVersion) {
    registry = Metrics.newRegistry(TrainerSettings.SERVICE_NAME);
    samples = counter("distill.trainer.samples", model, "fresh soft targets trained; rate() gives samples/s");
    heldOut = counter("distill.trainer.validation.held.out", model,
        "soft targets held out for the validation slice (never trained on), counted when committed");
    published = counter("distill.trainer.versions.published", model,
        "versions that passed the gate and were published");
    rejected = counter("distill.trainer.gate.rejections", model, "candidates the promotion gate refused");
    unjudged = counter("distill.trainer.gate.unjudged", model,
        "candidates not judged because the validation slice was still too small");
    skipped = counter("distill.trainer.batches.skipped", model, "batches whose loss was NaN or infinite");
    deadLetters = counter("distill.trainer.dead.letters", model, "soft targets sent to the dead-letter topic");
    gauge("distill.trainer.loss", model, () -> softLoss, "this loss term on the latest minibatch", "term", "soft");
    gauge("distill.trainer.loss", model, () -> hardLoss, "this loss term on the latest minibatch", "term", "hard");
    gauge("distill.trainer.prequential.accuracy", model, () -> prequential,
        "test-then-train accuracy on labelled fresh samples");
    gauge("distill.trainer.agreement", model, () -> agreement,
        "share of fresh samples where student and teacher agree on the class");
    String slice = "on the validation slice at the last decision (NaN before one)";
    gauge("distill.trainer.validation.accuracy", model, () -> candidateAccuracy,
        "accuracy on the labelled examples " + slice, "version", "candidate");
    gauge("distill.trainer.validation.accuracy", model, () -> publishedAccuracy,
        "accuracy on the labelled examples " + slice, "version", "published");
    gauge("distill.trainer.validation.agreement", model, () -> candidateAgreement,
        "agreement with the teacher " + slice, "version", "candidate");
    gauge("distill.trainer.validation.agreement", model, () -> publishedAgreement,
        "agreement with the teacher " + slice, "version", "published");
    gauge("distill.trainer.validation.examples", model, () -> sliceExamples,
        "examples in the validation slice", "kind", "all");
    gauge("distill.trainer.validation.examples", model, () -> sliceLabelled,
        "examples in the validation slice", "kind", "labelled");
    gauge("distill.trainer.published.version", model, publishedVersion,
        "the newest published version number; flat for long = no new version");
    Gauge.builder("distill.trainer.consumer.lag", () -> lag).tag("model", model).baseUnit("records")
        .description("soft targets not yet consumed").register(registry);
    // the lag gauge keeps its last value when the loop stops coming round: this one grows instead
    Gauge.builder("distill.trainer.loop.age", () -> (System.nanoTime() - loopNanos) / 1e9).tag("model", model)
        .baseUnit("seconds").description("time since the training loop last came round; grows while it is stuck")
        .register(registry);
  }

  private Counter counter(String name, String model, String description) {
    return Counter.builder(name).tag("model", model).description(description).register(registry);
  }

  private void gauge(String name, String model, DoubleSupplier value, String description, String... tags) {
    Gauge.builder(name, value::getAsDouble).tag("model", model).tags(tags).description(description)
        .register(registry);
  }
}
