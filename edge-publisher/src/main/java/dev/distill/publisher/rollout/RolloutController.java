package dev.distill.publisher.rollout;

import dev.distill.contract.proto.Rollout;
import dev.distill.contract.proto.Rollout.State;
import dev.distill.contract.proto.RolloutCommand;
import dev.distill.contract.proto.RolloutOutcome;
import dev.distill.publisher.rollout.RolloutException.Kind;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.InMemoryStateLog;
import dev.distill.publisher.state.StateLog.StateWriteException;
import dev.distill.publisher.state.VersionInfo;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts rollouts for new versions, judges the current wave of each active rollout on every
 * {@link #tick()}, and applies operators' commands. It is the one writer of rollout state:
 * every decision goes to its {@link Writer} with the next revision of the model's state, which
 * is how replicas order states (never by their clocks). With Kafka only the elected controller
 * replica calls {@link #tick()} and {@link #apply}; see {@code kafka.RolloutLeadership}.
 */
public final class RolloutController {
  private static final Logger log = LoggerFactory.getLogger(RolloutController.class);

  /** Where decisions go; the state must be in the view once this returns. */
  @FunctionalInterface
  public interface Writer {
    void write(Rollout state) throws StateWriteException;
  }

  /**
   * A command's outcome and the state to write for it.
   *
   * @param state null when nothing changes (the command was refused)
   */
  public record Decision(Rollout state, RolloutOutcome outcome) {}

  private final FleetView view;
  private final Writer writer;
  private final RolloutSettings settings;
  private final Assigner assigner;
  private final Clock clock;
  private volatile RolloutCommands commands = this::apply;
  /** Each model's last gate figures, reused while neither its rollout nor the fleet has moved. */
  private final Map<String, Measured> measured = new ConcurrentHashMap<>();

  /** Gate figures and what they were computed from. */
  private record Measured(Rollout rollout, long fleetChanges, boolean offlineCounts, WaveStats stats) {}

  public RolloutController(FleetView view, Writer writer, RolloutSettings settings, Clock clock) {
    this.view = view;
    this.writer = writer;
    this.settings = settings;
    this.assigner = new Assigner(view, settings);
    this.clock = clock;
  }

  /** A controller writing to an in-memory log (tests, single-process runs). */
  public RolloutController(FleetView view, InMemoryStateLog log, RolloutSettings settings, Clock clock) {
    this(view, (Writer) log::putRollout, settings, clock);
  }

  /** Operators' commands go through {@code commands} (the command topic) rather than straight to {@link #apply}. */
  public void commandsVia(RolloutCommands commands) {
    this.commands = commands;
  }

  /** An operator's command, applied by whichever replica is the controller; on this replica its outcome. */
  public RolloutOutcome submit(RolloutCommand command)
      throws StateWriteException, RolloutCommands.NoControllerException, InterruptedException {
    return commands.submit(command);
  }

  public Assigner assigner() {
    return assigner;
  }

  public RolloutSettings settings() {
    return settings;
  }

  /** One round of decisions; call it periodically once the view has caught up. */
  public synchronized void tick() throws StateWriteException {
    for (String model : view.models()) {
      Optional<Rollout> current = view.rollout(model);
      Optional<VersionInfo> latest = view.latestVersion(model);
      // A newer version replaces an active rollout only while that one is no wider than a first
      // wave: later, starting over would send every device outside the new first wave back to
      // the last good version (seen in the demo: the fleet bounced between v5 and v4 at each new
      // version). So it waits for the current rollout to end, and then the newest waiting version
      // starts; the ones between are skipped. A rollout paused by an operator holds the fleet
      // where it is until an operator resumes or aborts it: a pause that the next version simply
      // replaced would not stop anything (seen in the console's browser test). One the controller
      // paused itself (a wave out of time) waits for people too, but is replaced.
      boolean busy = current.isPresent() && (current.get().getState() == State.ACTIVE
          && waveFraction(current.get()) > settings.waves().get(0) || pausedByOperator(current.get()));
      if (settings.autoStart() && latest.isPresent() && !busy
          && (current.isEmpty() || latest.get().version() > current.get().getTargetVersion())) {
        Rollout r = newRollout(model, latest.get().version(), settings.waves(), current, "published", "");
        log.info("model {}: version {} published, rollout {} starts (last good {})",
            model, r.getTargetVersion(), r.getRolloutId(), r.getLastGoodVersion());
        writer.write(r);
        continue;
      }
      if (current.isPresent() && current.get().getState() == State.ACTIVE) {
        judge(current.get());
      }
    }
  }

  /** Paused by a command (automatic decisions carry no command id). */
  private static boolean pausedByOperator(Rollout r) {
    return r.getState() == State.PAUSED && !r.getCommandId().isEmpty();
  }

  private static double waveFraction(Rollout r) {
    return r.getWavesCount() == 0 ? 1.0 : r.getWaves(Math.min(r.getCurrentWave(), r.getWavesCount() - 1));
  }

  private void judge(Rollout r) throws StateWriteException {
    WaveStats s = stats(r);
    long now = clock.millis();
    String wave = "wave " + (r.getCurrentWave() + 1) + "/" + r.getWavesCount() + " (" + percent(s.fraction()) + ")";
    // fail fast: so many failures that the rate is exceeded whatever the others report
    if (s.failed() > settings.maxFailureRate() * s.devices()) {
      rollBack(r, wave + ": " + s.failed() + " of " + s.devices() + " devices failed, more than "
          + percent(settings.maxFailureRate()));
      return;
    }
    long needed = Math.max(1, (long) Math.ceil(settings.minReportedFraction() * s.devices()));
    // accuracy over a handful of samples is noise: wait for enough labels when any are reported
    boolean enough = s.reported() >= needed && (s.accuracy() == null || s.labelled() >= settings.minLabelled());
    if (enough && s.failed() > settings.maxFailureRate() * s.reported()) {
      rollBack(r, wave + ": failure rate " + percent((double) s.failed() / s.reported()) + " > "
          + percent(settings.maxFailureRate()));
      return;
    }
    if (enough && s.accuracy() != null && s.baselineAccuracy() != null
        && s.accuracy() < s.baselineAccuracy() - settings.maxAccuracyDrop() - s.noise()) {
      rollBack(r, String.format(Locale.ROOT, "%s: on-device accuracy %.4f vs %.4f of last good version %d (max drop %.4f + noise %.4f)",
          wave, s.accuracy(), s.baselineAccuracy(), r.getLastGoodVersion(), settings.maxAccuracyDrop(), s.noise()));
      return;
    }
    if (enough && s.accuracy() != null && s.accuracy() < settings.minAccuracy()) {
      rollBack(r, String.format(Locale.ROOT, "%s: on-device accuracy %.4f below the floor %.4f",
          wave, s.accuracy(), settings.minAccuracy()));
      return;
    }
    long elapsed = now - r.getWaveStartedAtMs();
    if (enough && elapsed >= settings.minWaveDuration().toMillis()) {
      if (r.getCurrentWave() + 1 >= r.getWavesCount()) {
        log.info("rollout {}: {} passed, completed", r.getRolloutId(), wave);
        automatic(r.toBuilder().setState(State.COMPLETED).setReason(wave + " passed"));
      } else {
        log.info("rollout {}: {} passed ({} running, {} failed), next wave", r.getRolloutId(), wave, s.running(), s.failed());
        automatic(r.toBuilder().setCurrentWave(r.getCurrentWave() + 1).setWaveStartedAtMs(now)
            .setReason(wave + " passed"));
      }
    } else if (elapsed >= settings.waveTimeout().toMillis()) {
      automatic(r.toBuilder().setState(State.PAUSED)
          .setReason(wave + ": only " + s.reported() + " of " + needed + " needed reports within "
              + settings.waveTimeout() + (s.offline() == 0 ? "" : " (" + s.offline() + " devices offline)")));
    }
  }

  private void rollBack(Rollout r, String reason) throws StateWriteException {
    log.warn("rollout {}: rolled back to version {}: {}", r.getRolloutId(), r.getLastGoodVersion(), reason);
    automatic(r.toBuilder().setState(State.ROLLED_BACK).setReason(reason));
  }

  /**
   * The gate figures of a rollout's current wave. A pass over a fleet of tens of thousands costs
   * tens of milliseconds under the view's lock, which pushes wait for, and every tick asks: the
   * figures are measured again only when the rollout, the fleet or the time's say on offline
   * devices has changed since the last pass.
   */
  public WaveStats stats(Rollout r) {
    long now = clock.millis();
    long changes = view.fleetChanges(); // read before the pass: a change during it means measuring again
    boolean offline = WaveStats.offlineCounts(r, settings, now);
    Measured last = measured.get(r.getModelName());
    if (last != null && last.fleetChanges() == changes && last.offlineCounts() == offline && last.rollout().equals(r)) {
      return last.stats();
    }
    WaveStats s = WaveStats.measure(view, r, settings, now);
    measured.put(r.getModelName(), new Measured(r, changes, offline, s));
    return s;
  }

  /** An automatic decision: the next revision of the state it was taken on. */
  private void automatic(Rollout.Builder b) throws StateWriteException {
    writer.write(b.setRevision(b.getRevision() + 1).setCommandId("").setUpdatedAtMs(clock.millis()).build());
  }

  // ---- operators

  /**
   * What a command does to the current state, without writing it. Commands are judged in the
   * order the controller receives them against the state it holds, so an operator's abort
   * queued behind an automatic decision still lands (see {@link #abortable}).
   */
  public synchronized Decision decide(RolloutCommand c) {
    Optional<Rollout> current = view.rollout(c.getModelName());
    long revision = current.map(Rollout::getRevision).orElse(0L);
    RolloutOutcome.Builder out = RolloutOutcome.newBuilder().setCommandId(c.getCommandId()).setModelName(c.getModelName());
    current.ifPresent(out::setRollout);
    try {
      if (c.hasExpectedRevision() && c.getExpectedRevision() != revision) {
        throw new RolloutException(Kind.CONFLICT, "the rollout state of " + c.getModelName() + " is at revision " + revision
            + ", not the expected " + c.getExpectedRevision());
      }
      Rollout next = next(c, current);
      return new Decision(next, out.setResult(RolloutOutcome.Result.APPLIED).setRollout(next).build());
    } catch (RolloutException e) {
      return new Decision(null, out.setResult(switch (e.kind()) {
        case UNKNOWN_MODEL -> RolloutOutcome.Result.UNKNOWN_MODEL;
        case UNKNOWN_VERSION -> RolloutOutcome.Result.UNKNOWN_VERSION;
        case CONFLICT -> RolloutOutcome.Result.CONFLICT;
      }).setMessage(e.getMessage()).build());
    }
  }

  /** Decides and writes: the in-memory path (with Kafka the leader writes outcome and state in one transaction). */
  public synchronized RolloutOutcome apply(RolloutCommand c) throws StateWriteException {
    Decision d = decide(c);
    if (d.state() != null) {
      writer.write(d.state());
    }
    return d.outcome();
  }

  private Rollout next(RolloutCommand c, Optional<Rollout> current) throws RolloutException {
    String model = c.getModelName();
    long now = clock.millis();
    switch (c.getKind()) {
      case START -> {
        requireVersion(model, c.getVersion());
        List<Double> waves = c.getWavesCount() == 0 ? settings.waves() : c.getWavesList();
        String problem = RolloutSettings.checkWaves(waves);
        if (problem != null) {
          throw new RolloutException(Kind.CONFLICT, problem);
        }
        return newRollout(model, c.getVersion(), waves, current, reason(c.getReason(), "started by an operator"),
            c.getCommandId());
      }
      case PAUSE -> {
        Rollout r = requireRollout(model, current);
        if (r.getState() != State.ACTIVE) {
          throw new RolloutException(Kind.CONFLICT, "rollout " + r.getRolloutId() + " is " + r.getState() + ", not ACTIVE");
        }
        return revise(r.toBuilder().setState(State.PAUSED).setReason(reason(c.getReason(), "paused by an operator")), c);
      }
      case RESUME -> {
        Rollout r = requireRollout(model, current);
        if (r.getState() != State.PAUSED) {
          throw new RolloutException(Kind.CONFLICT, "rollout " + r.getRolloutId() + " is " + r.getState() + ", not PAUSED");
        }
        // the wave's clock restarts: reports during the pause may be stale
        return revise(r.toBuilder().setState(State.ACTIVE).setWaveStartedAtMs(now).setReason("resumed by an operator"), c);
      }
      case ABORT -> {
        Rollout r = requireRollout(model, current);
        if (!abortable(r)) {
          throw new RolloutException(Kind.CONFLICT, "rollout " + r.getRolloutId() + " is " + r.getState() + ": nothing to abort");
        }
        return revise(r.toBuilder().setState(State.ABORTED).setReason(reason(c.getReason(), "aborted by an operator")), c);
      }
      case PIN -> {
        requireVersion(model, c.getVersion());
        if (current.isEmpty()) {
          return revise(Rollout.newBuilder().setModelName(model).setRolloutId(model + ":pin:v" + c.getVersion())
              .setTargetVersion(c.getVersion()).setLastGoodVersion(c.getVersion()).setState(State.COMPLETED)
              .addAllWaves(List.of(1.0)).setPinnedVersion(c.getVersion()).setStartedAtMs(now).setWaveStartedAtMs(now)
              .setReason("pinned by an operator"), c);
        }
        return revise(current.get().toBuilder().setPinnedVersion(c.getVersion())
            .setReason("version " + c.getVersion() + " pinned by an operator"), c);
      }
      case UNPIN -> {
        if (current.isEmpty()) {
          throw new RolloutException(view.models().contains(model) ? Kind.CONFLICT : Kind.UNKNOWN_MODEL,
              "model " + model + " has no pin to remove");
        }
        return revise(current.get().toBuilder().setPinnedVersion(0).setReason("pin removed by an operator"), c);
      }
      default -> throw new RolloutException(Kind.CONFLICT, "unknown command kind " + c.getKind());
    }
  }

  /**
   * An abort wins over any automatic decision taken while it was on its way: it applies to an
   * active or paused rollout, and also to one the gates rolled back or completed meanwhile (the
   * fleet goes back to the last good version either way). Only an aborted rollout, or a
   * completed one with nothing to go back to, refuses it.
   */
  static boolean abortable(Rollout r) {
    return switch (r.getState()) {
      case ACTIVE, PAUSED, ROLLED_BACK -> true;
      case COMPLETED -> r.getLastGoodVersion() != 0 && r.getPinnedVersion() == 0;
      default -> false;
    };
  }

  private Rollout revise(Rollout.Builder b, RolloutCommand c) {
    return b.setRevision(b.getRevision() + 1).setCommandId(c.getCommandId()).setUpdatedAtMs(clock.millis()).build();
  }

  public Rollout start(String model, long version, List<Double> waves) throws RolloutException, StateWriteException {
    return applied(command(model, RolloutCommand.Kind.START).setVersion(version).addAllWaves(waves));
  }

  public Rollout pause(String model, String reason) throws RolloutException, StateWriteException {
    return applied(command(model, RolloutCommand.Kind.PAUSE).setReason(reason == null ? "" : reason));
  }

  public Rollout resume(String model) throws RolloutException, StateWriteException {
    return applied(command(model, RolloutCommand.Kind.RESUME));
  }

  public Rollout abort(String model, String reason) throws RolloutException, StateWriteException {
    return applied(command(model, RolloutCommand.Kind.ABORT).setReason(reason == null ? "" : reason));
  }

  /** @param version 0 removes the pin */
  public Rollout pin(String model, long version) throws RolloutException, StateWriteException {
    return applied(version == 0 ? command(model, RolloutCommand.Kind.UNPIN)
        : command(model, RolloutCommand.Kind.PIN).setVersion(version));
  }

  /** A new command with a fresh id. */
  public RolloutCommand.Builder command(String model, RolloutCommand.Kind kind) {
    return RolloutCommand.newBuilder().setCommandId(UUID.randomUUID().toString()).setModelName(model).setKind(kind)
        .setIssuedAtMs(clock.millis());
  }

  private Rollout applied(RolloutCommand.Builder c) throws RolloutException, StateWriteException {
    RolloutOutcome o = apply(c.build());
    return switch (o.getResult()) {
      case APPLIED -> o.getRollout();
      case UNKNOWN_MODEL -> throw new RolloutException(Kind.UNKNOWN_MODEL, o.getMessage());
      case UNKNOWN_VERSION -> throw new RolloutException(Kind.UNKNOWN_VERSION, o.getMessage());
      default -> throw new RolloutException(Kind.CONFLICT, o.getMessage());
    };
  }

  private Rollout newRollout(String model, long version, List<Double> waves, Optional<Rollout> previous, String why,
      String commandId) {
    long now = clock.millis();
    long lastGood = 0;
    long pinned = 0;
    long revision = 0;
    if (previous.isPresent()) {
      Rollout p = previous.get();
      lastGood = p.getState() == State.COMPLETED ? p.getTargetVersion() : p.getLastGoodVersion();
      pinned = p.getPinnedVersion();
      revision = p.getRevision();
    }
    if (lastGood >= version) {
      lastGood = 0; // an operator restarting an older version: nothing lower is known good
    }
    return Rollout.newBuilder().setModelName(model).setRolloutId(model + ":v" + version + ":" + now)
        .setTargetVersion(version).setLastGoodVersion(lastGood).setState(State.ACTIVE).addAllWaves(waves)
        .setCurrentWave(0).setReason(why).setUpdatedAtMs(now).setWaveStartedAtMs(now).setStartedAtMs(now)
        .setPinnedVersion(pinned).setRevision(revision + 1).setCommandId(commandId).build();
  }

  private Rollout requireRollout(String model, Optional<Rollout> current) throws RolloutException {
    return current.orElseThrow(() -> new RolloutException(
        view.models().contains(model) ? Kind.CONFLICT : Kind.UNKNOWN_MODEL, "model " + model + " has no rollout"));
  }

  private void requireVersion(String model, long version) throws RolloutException {
    if (!view.models().contains(model)) {
      throw new RolloutException(Kind.UNKNOWN_MODEL, "no model named " + model);
    }
    if (!view.hasVersion(model, version)) {
      throw new RolloutException(Kind.UNKNOWN_VERSION, "model " + model + " has no version " + version);
    }
  }

  private static String reason(String given, String fallback) {
    return given == null || given.isBlank() ? fallback : given;
  }

  private static String percent(double f) {
    return String.format(Locale.ROOT, "%.1f%%", f * 100);
  }
}
