package dev.distill.trainer.service;

import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import dev.distill.trainer.engine.TrainingEngine;
import dev.distill.trainer.model.Network;
import dev.distill.trainer.stream.Example;
import dev.distill.trainer.stream.StepResult;
import dev.distill.trainer.stream.ResumeState;
import dev.distill.trainer.stream.StudentLearner;
import dev.distill.trainer.validation.PublishedReference;
import dev.distill.trainer.validation.SliceMetrics;
import dev.distill.trainer.validation.ValidationSlice;
import dev.distill.trainer.version.PromotionGate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the consume–train–commit loop, on one thread: each soft target is held out for the
 * validation slice or trained in a minibatch with replayed ones; every N soft targets or S
 * seconds the candidate is measured on the slice beside the published version and committed
 * with the offsets ({@link CandidateCommitter}). Work since the last commit is redone after a
 * crash or a stop.
 *
 * <p>Training goes on while a commit is in flight ({@link Outbox}); what the commit makes true
 * (the committed state, a published version, the held-out count) is taken on, reported and
 * logged only once it has settled, and the next candidate waits for it.
 */
final class TrainingLoop {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

  private final TrainerSettings settings;
  private final Clock clock;
  private final TrainerMetrics metrics;
  private final TrainingObserver observer;
  private final BooleanSupplier running;
  private final Consumer<Progress> report;
  private final Topics topics;
  private final PromotionGate gate;
  private final ValidationSlice slice;
  private final BatchAssembler assembler;
  private final Prequential prequential = new Prequential();
  private final ConsumedOffsets offsets = new ConsumedOffsets();
  private volatile SoftTargetSource source;
  private StudentLearner learner;
  private PublishedReference reference;
  private Intake intake;
  private CandidateCommitter committer;
  private Outbox outbox;
  private CandidateCommitter.Committed committed = CandidateCommitter.Committed.NONE;
  /** What the commit in flight makes true once it has settled; null when none is. */
  private Runnable onCommitted;
  // since the process started
  private long samplesTrained;
  private long published;
  private long rejected;
  private long skipped;
  private long heldOutCommitted;
  // since the last commit or consideration
  private long sinceCommit;
  private long heldOutSinceCommit;
  private long acceptedSinceConsidered;
  private long lastConsideredNanos = System.nanoTime();
  private double candidateAccuracy = Double.NaN;
  private double publishedAccuracy = Double.NaN;

  TrainingLoop(TrainerSettings settings, Clock clock, TrainerMetrics metrics, TrainingObserver observer,
      BooleanSupplier running, Consumer<Progress> report) {
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
    this.observer = observer;
    this.running = running;
    this.report = report;
    this.topics = settings.kafka().topics();
    TrainerSettings.Validation v = settings.validation();
    this.gate = new PromotionGate(settings.gateMargin(), v.min(), v.minLabels());
    this.slice = new ValidationSlice(v.fraction(), v.capacity(), v.min());
    this.assembler = new BatchAssembler(settings.inputs(), settings.architecture().classes(),
        settings.replayCapacity(), settings.replayRatio(), new Random(settings.seed()), observer);
  }

  /** Interrupts a blocking poll; the loop then ends if {@code running} says so. */
  void wakeup() {
    SoftTargetSource s = source;
    if (s != null) {
      s.wakeup();
    }
  }

  void run(TrainingEngine engine) throws Exception {
    try (Admin admin = Admin.create(settings.kafka().clientProperties())) {
      TopicAdmin.ensure(admin, topics, settings.kafka().replicationFactor());
    }
    try (StudentLearner l = new StudentLearner(engine, settings.architecture(), settings.inputs(),
        settings.optimizer(), settings.learningRate(), settings.momentum(), settings.alpha(), settings.seed());
         PublishedReference ref = new PublishedReference(engine, settings.architecture(), settings.inputs());
         Outbox o = new Outbox(settings);
         SoftTargetSource src = new SoftTargetSource(settings)) {
      learner = l;
      reference = ref;
      outbox = o;
      source = src;
      intake = new Intake(settings.inputs(), settings.teacher(), settings.architecture().classes(),
          topics.softTargetsDlq().name(), outbox, metrics.deadLetters);
      committer = new CandidateCommitter(settings, outbox);
      byte[] resume = learner.resumeState();
      CandidateCommitter.checkFits(settings, resume.length, ResumeState.fromBytes(resume).weightsOnly().toBytes().length);
      // fences a previous incarnation and aborts its open transaction before offsets are read
      outbox.fence();
      restore();
      source.assign(topics.softTargets().name(), offsets);
      source.start(intake::decode);
      LOG.info("trainer {} ({}, alpha {}, batch {}) on {} from {}: published v{}, {} samples committed; validation "
              + "slice {} of the ids, up to {} examples, judging from {}", settings.modelName(),
          settings.architecture(), settings.alpha(), settings.batchSize(), engine.description(),
          topics.softTargets().name(), committed.publishedVersion(), committed.samplesTrained(),
          settings.validation().fraction(), slice.capacity(), slice.min());
      report();
      while (running.getAsBoolean()) {
        for (SoftTargetSource.Fetched<Intake.Decoded> f : source.poll(Duration.ofMillis(200))) {
          handle(f.record(), f.decoded());
          // the N-th soft target triggers the candidate even mid-batch (consider() trains the
          // partial batch first): a stream that ends off a batch boundary still gets its version
          if (acceptedSinceConsidered >= settings.versionEverySamples()) {
            consider();
          }
        }
        settle(false);
        metrics.lag = source.lag();
        metrics.loopNanos = System.nanoTime();
        boolean due = System.nanoTime() - lastConsideredNanos >= settings.versionEvery().toNanos();
        if (due && (acceptedSinceConsidered > 0 || outbox.open())) {
          consider();
        }
        report();
      }
      settle(true);
      outbox.abortIfOpen();
    } finally {
      source = null;
    }
  }

  /** Loads the last committed checkpoint and the published version's weights, if any. */
  private void restore() {
    new CheckpointStore(settings).restore().ifPresent(checkpoint -> {
      learner.restore(checkpoint.getResumeState().toByteArray());
      committed = CandidateCommitter.Committed.of(checkpoint);
      offsets.restore(checkpoint.getOffsetsList());
      publishedAccuracy = committed.publishedMetrics().getOrDefault(PromotionGate.ACCURACY, Double.NaN);
      metrics.publishedAccuracy = publishedAccuracy;
      metrics.publishedAgreement = committed.publishedMetrics().getOrDefault(PromotionGate.AGREEMENT, Double.NaN);
      if (!committed.publishedWeights().isEmpty()) {
        reference.load(committed.publishedWeights().toByteArray());
        observer.gatesAgainst(committed.publishedVersion());
      } else if (committed.publishedVersion() > 0) {
        // a checkpoint written before checkpoints carried them
        LOG.warn("trainer {}: the checkpoint holds no weights of v{}; candidates are compared with the metrics it "
            + "was published with, measured on an earlier slice", settings.modelName(), committed.publishedVersion());
      }
    });
  }

  private void handle(ConsumerRecord<String, byte[]> r, Intake.Decoded decoded) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    offsets.consumed(tp, r.offset());
    Example e = intake.accept(r, decoded);
    if (e == null) {
      return;
    }
    offsets.accepted(tp, r.offset());
    acceptedSinceConsidered++;
    if (slice.holds(e.id())) {
      slice.offer(e);
      observer.heldOut(e);
      heldOutSinceCommit++;
      return;
    }
    assembler.add(e);
    if (assembler.pending() >= settings.batchSize()) {
      trainPending();
    }
  }

  private void trainPending() {
    if (assembler.pending() == 0) {
      return;
    }
    int n = assembler.pending();
    StepResult s = learner.step(assembler.next());
    if (s.skipped()) {
      skipped++;
      metrics.skipped.increment();
      LOG.warn("trainer {}: batch of {} skipped, loss {}", settings.modelName(), n, s.loss());
      assembler.skipped();
      return;
    }
    prequential.record(assembler.fresh(), s);
    assembler.trained();
    samplesTrained += n;
    sinceCommit += n;
    metrics.samples.increment(n);
    metrics.softLoss = s.softLoss();
    metrics.hardLoss = s.hardLoss();
  }

  /** Measures a candidate, publishes it if the gate passes, and commits everything in one transaction. */
  private void consider() {
    trainPending();
    // the previous candidate's commit: the version it published is what this one is judged against
    settle(true);
    lastConsideredNanos = System.nanoTime();
    acceptedSinceConsidered = 0;
    metrics.sliceExamples = slice.size();
    metrics.sliceLabelled = slice.labelled();
    if (sinceCommit == 0) {
      // nothing learnt since the last commit (only held-out samples, dead letters or skipped
      // batches): no candidate and no new checkpoint, the committed weights still stand; the dead
      // letters and the offsets past them are committed
      long heldOut = takeHeldOut();
      outbox.commit(offsets.next());
      onCommitted = () -> {
        committedHeldOut(heldOut);
        report();
      };
      return;
    }
    Map<String, Double> candidate = prequential.metrics();
    metrics.prequential = candidate.getOrDefault(PromotionGate.PREQUENTIAL, Double.NaN);
    metrics.agreement = candidate.getOrDefault(Prequential.AGREEMENT, Double.NaN);
    PromotionGate.Decision decision;
    Map<Example, SliceMetrics.Score> candidateScores = Map.of();
    List<Example> examples = slice.examples();
    if (learner.weightsFinite()) {
      candidateScores = SliceMetrics.score(learner.network(), examples);
      SliceMetrics c = SliceMetrics.of(examples, candidateScores);
      candidate.putAll(c.asMap());
      candidateAccuracy = c.accuracy();
      metrics.candidateAccuracy = c.accuracy();
      metrics.candidateAgreement = c.agreement();
      decision = gate.decide(candidate, publishedOnThisSlice());
    } else {
      decision = PromotionGate.Decision.reject("the weights diverged (NaN or infinite)");
    }
    byte[] resume = learner.resumeState();
    long total = committed.samplesTrained() + sinceCommit;
    CandidateCommitter.Committed next = committer.commit(committed, learner, resume,
        new CandidateCommitter.Candidate(decision, candidate, total, offsets.ranges(), intake.teacher(),
            clock.instant(), examples), offsets.next());
    sinceCommit = 0;
    long heldOut = takeHeldOut();
    prequential.reset();
    double accuracy = candidateAccuracy;
    double agreement = metrics.candidateAgreement;
    Map<Example, SliceMetrics.Score> scores = candidateScores;
    onCommitted = () -> committed(next, heldOut, decision, candidate, total, resume, scores, accuracy, agreement);
  }

  /** Takes on what a candidate's commit made true, once it has settled. */
  private void committed(CandidateCommitter.Committed next, long heldOut, PromotionGate.Decision decision,
      Map<String, Double> candidate, long total, byte[] resume, Map<Example, SliceMetrics.Score> scores,
      double accuracy, double agreement) {
    committed = next;
    committedHeldOut(heldOut);
    switch (decision.verdict()) {
      case PUBLISH -> {
        reference.load(resume, scores);
        publishedAccuracy = accuracy;
        metrics.publishedAccuracy = accuracy;
        metrics.publishedAgreement = agreement;
        published++;
        metrics.published.increment();
        LOG.info("trainer {}: published v{} after {} samples: {} ({})", settings.modelName(),
            committed.publishedVersion(), total, candidate, decision.reason());
      }
      case REJECT -> {
        rejected++;
        metrics.rejected.increment();
        LOG.info("trainer {}: candidate after {} samples rejected: {}", settings.modelName(), total,
            decision.reason());
      }
      case NOT_JUDGED -> {
        metrics.unjudged.increment();
        LOG.info("trainer {}: candidate after {} samples {}", settings.modelName(), total, decision.reason());
      }
    }
    report();
  }

  /**
   * The published version's metrics on the current slice, so that both sides of the gate are
   * measured on the same examples; the metrics it was published with when its weights are not
   * at hand (after a restart that could not read them); none before the first version.
   */
  private Map<String, Double> publishedOnThisSlice() {
    if (committed.publishedVersion() == 0) {
      return Map.of();
    }
    if (!reference.loaded() || !slice.ready()) {
      return committed.publishedMetrics();
    }
    SliceMetrics p = reference.measure(slice);
    publishedAccuracy = p.accuracy();
    metrics.publishedAccuracy = p.accuracy();
    metrics.publishedAgreement = p.agreement();
    return p.asMap();
  }

  /** The held-out samples since the last commit, which the commit now starting covers. */
  private long takeHeldOut() {
    long n = heldOutSinceCommit;
    heldOutSinceCommit = 0;
    return n;
  }

  private void committedHeldOut(long n) {
    heldOutCommitted += n;
    metrics.heldOut.increment(n);
  }

  /** Takes on what the commit in flight made true once it has settled, waiting for it when {@code wait}. */
  private void settle(boolean wait) {
    if (onCommitted != null && outbox.settled(wait)) {
      Runnable r = onCommitted;
      onCommitted = null;
      r.run();
    }
  }

  private void report() {
    report.accept(new Progress(samplesTrained, committed.samplesTrained(), heldOutCommitted, published,
        committed.publishedVersion(), candidateAccuracy, publishedAccuracy, rejected, skipped, intake == null ? 0
        : intake.deadLettered(), null));
  }
}
