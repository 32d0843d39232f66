package dev.distill.publisher.http;

import dev.distill.contract.ota.DeltaCodec;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.OtaApi.Assignment;
import dev.distill.contract.ota.OtaApi.Report;
import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.SignedManifest;
import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.Rollout;
import dev.distill.publisher.rollout.RolloutController;
import dev.distill.publisher.rollout.Target;
import dev.distill.publisher.sign.ManifestIssuer;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.StateLog;
import dev.distill.publisher.state.VersionInfo;
import dev.distill.publisher.store.ArtifactStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The API devices call (the port an Ingress exposes): the publisher's keys, a device's signed
 * assignment (polled or pushed as server-sent events), its reports, and artifact and delta
 * downloads with ETag and Range.
 */
final class DeviceApi {
  private final FleetView view;
  private final StateLog stateLog;
  private final RolloutController controller;
  private final ManifestIssuer issuer;
  private final ArtifactStore store;
  private final PublisherMetrics metrics;
  private final Clock clock;
  private final Callers callers;
  private final Json json;
  private final Duration pollInterval;
  private final PushHub hub;
  private final int deltaMaxDepth;
  private final ReportLimits limits;
  private final ReportLimiter reports;
  /** About one delta computation: long enough for a slot to come free. */
  private static final long DELTA_RETRY_AFTER_SECONDS = 5;
  private static final String STREAM_RESERVED = "distill.stream.reserved";

  DeviceApi(ApiServer.Settings settings, FleetView view, StateLog stateLog, RolloutController controller,
      ManifestIssuer issuer, ArtifactStore store, PublisherMetrics metrics, Clock clock, Callers callers, Json json) {
    this.view = view;
    this.stateLog = stateLog;
    this.controller = controller;
    this.issuer = issuer;
    this.store = store;
    this.metrics = metrics;
    this.clock = clock;
    this.callers = callers;
    this.json = json;
    this.pollInterval = settings.pollInterval();
    this.deltaMaxDepth = settings.deltaMaxDepth();
    this.limits = settings.reports();
    this.reports = new ReportLimiter(clock, limits.burst(), limits.interval());
    this.hub = new PushHub(this::assignments, Json::json, metrics, settings.keepAlive(), settings.maxStreams());
    metrics.connectedDevices(hub::connected);
    metrics.registeredDevices(view::deviceCount);
    metrics.deltas(store::deltaCacheBytes, store::deltasComputing);
    view.onChange(hub::changed);
  }

  PushHub hub() {
    return hub;
  }

  void routes(RoutesConfig r) {
    r.before("/v1/devices/*", ctx -> callers.requireReady());
    r.before("/v1/artifacts/*", ctx -> callers.requireReady());

    r.get(OtaApi.KEYS, ctx -> Json.ok(ctx, issuer.identity().keys()));
    r.get(OtaApi.ASSIGNMENT, ctx -> {
      FleetView.Device d = callers.deviceCaller(ctx);
      Json.ok(ctx, assignment(d.id(), d.model()));
    });
    r.before(OtaApi.EVENTS, ctx -> {
      FleetView.Device d = callers.deviceCaller(ctx);
      AsyncStream.requireEventStream(ctx);
      // last: once admitted, the stream handler runs (it checks Accept the same way) and opens it
      Boolean reserved = hub.admit(d.id());
      if (reserved == null) {
        throw new ApiException(ErrorCode.TOO_MANY_REQUESTS, "this replica holds as many event streams as it may: poll the assignment",
            pollInterval.toSeconds());
      }
      ctx.attribute(STREAM_RESERVED, reserved);
    });
    r.sse(OtaApi.EVENTS, client -> {
      FleetView.Device d = view.device(client.ctx().pathParam("deviceId")).orElseThrow();
      hub.open(client, d.id(), d.model(), client.ctx().header("Last-Event-ID"), Boolean.TRUE.equals(client.ctx().attribute(STREAM_RESERVED)));
    });
    r.post(OtaApi.REPORTS, this::report);
    r.get(OtaApi.REPORTS, ctx -> {
      FleetView.Device d = callers.deviceCaller(ctx);
      List<Report> out = new ArrayList<>();
      for (DeviceReport rep : view.reports(d.id())) {
        out.add(toJson(rep));
      }
      Json.ok(ctx, Map.of("deviceId", d.id(), "reports", out));
    });
    r.get(OtaApi.ARTIFACT, ctx -> {
      callers.anyCaller(ctx);
      String sha = sha256Param(ctx);
      Path file = store.path(sha).orElseThrow(() -> new ApiException(ErrorCode.UNKNOWN_ARTIFACT, "no artifact " + sha));
      serve(ctx, file, "\"" + sha + "\"", "application/octet-stream", false);
    });
    r.get(OtaApi.DELTA, ctx -> {
      callers.anyCaller(ctx);
      String target = sha256Param(ctx);
      String base = ctx.queryParam("from");
      if (base == null || !Manifest.SHA256_HEX.matcher(base).matches()) {
        throw new ApiException(ErrorCode.INVALID_FIELD, "query parameter 'from' must be the sha256 (64 lowercase hex) of the installed artifact");
      }
      if (!store.has(target)) {
        throw new ApiException(ErrorCode.UNKNOWN_ARTIFACT, "no artifact " + target);
      }
      List<String> path = lineagePath(view, base, target, deltaMaxDepth).orElseThrow(() -> new ApiException(
          ErrorCode.DELTA_UNAVAILABLE, "deltas are served only from one of the " + deltaMaxDepth
              + " versions the target was trained on top of: download the full artifact"));
      // an evicted delta between lookup and open is computed again, once
      for (int attempt = 0; ; attempt++) {
        Path delta = delta(path);
        try {
          serve(ctx, delta, "\"" + base + "-" + target + "\"", DeltaCodec.MEDIA_TYPE, true);
          return;
        } catch (NoSuchFileException e) {
          if (attempt > 0) {
            throw new ApiException(ErrorCode.DELTA_UNAVAILABLE, "the delta was evicted: download the full artifact");
          }
        }
      }
    });
  }

  private Path delta(List<String> path) throws IOException {
    try {
      return store.delta(path).orElseThrow(() -> new ApiException(ErrorCode.DELTA_UNAVAILABLE,
          "no delta from " + path.get(0) + ": download the full artifact"));
    } catch (ArtifactStore.DeltaBusyException e) {
      throw new ApiException(ErrorCode.TOO_MANY_REQUESTS, e.getMessage() + ": retry later or download the full artifact",
          DELTA_RETRY_AFTER_SECONDS);
    } catch (NoSuchFileException e) {
      // retention removed a version on the path while the delta was being computed
      throw new ApiException(ErrorCode.DELTA_UNAVAILABLE, "a version on the delta's path is gone: download the full artifact");
    }
  }

  /**
   * Whether {@code base} is the target's version or one of its ancestors (parent, grandparent,
   * ...) of the same model, at most {@code maxDepth} steps back. Deltas between unrelated
   * versions are barely smaller than the artifact, and allowing every pair would let anyone
   * make the publisher compute n² of them.
   */
  static boolean withinLineage(FleetView view, String baseSha, String targetSha, int maxDepth) {
    return lineagePath(view, baseSha, targetSha, maxDepth).isPresent();
  }

  /**
   * The artifacts from the base to the target along the target's parents (base first), when the
   * base is one of its {@code maxDepth} nearest ancestors: the versions a chain of deltas passes.
   * A parent the model's lineage never received stands for the newest version below it: a
   * variant's versions name the fp32 version's parent, and a variant that could not be made for
   * one number skips it.
   */
  static Optional<List<String>> lineagePath(FleetView view, String baseSha, String targetSha, int maxDepth) {
    VersionInfo v = view.versionBySha(targetSha).orElse(null);
    List<String> back = new ArrayList<>();
    for (int depth = 0; v != null && depth <= maxDepth; depth++) {
      back.add(v.sha256());
      if (depth > 0 && v.sha256().equals(baseSha)) {
        java.util.Collections.reverse(back);
        return Optional.of(List.copyOf(back));
      }
      long parent = v.metadata().getParentVersion();
      v = parent <= 0 || parent >= v.metadata().getVersion() ? null
          : view.versionAtOrBelow(v.model(), parent).orElse(null);
    }
    return Optional.empty();
  }

  /** The current assignment of a device: the same on every replica for the same state. */
  Assignment assignment(String deviceId, String model) {
    return assignment(deviceId, model, controller.assigner().target(deviceId, model));
  }

  /**
   * The assignments of a model's devices for one push: the rollout is read once, and each
   * distinct target's version and signed manifest looked up once, so a device costs only its
   * wave membership (a fleet-wide push otherwise took the fleet view's lock four times a device,
   * and at 20,000 devices the push threads spent seconds waiting for it). The assignments carry
   * no device id: the push leaves it out of the event.
   */
  Function<String, Assignment> assignments(String model) {
    Optional<Rollout> rollout = view.rollout(model);
    Map<Target, Assignment> byTarget = new ConcurrentHashMap<>();
    return deviceId -> byTarget.computeIfAbsent(controller.assigner().target(deviceId, model, rollout),
        t -> assignment(null, model, t));
  }

  private Assignment assignment(String deviceId, String model, Target t) {
    long poll = pollInterval.toSeconds();
    VersionInfo v = t.version() == 0 ? null : view.version(model, t.version()).orElse(null);
    if (v == null) {
      return new Assignment(deviceId, model, 0, null, 0, t.rolloutId(), false, null, null, poll, 0,
          "none/" + t.rolloutId());
    }
    SignedManifest m = issuer.issue(model, v.version(), v.sha256(), v.length(), t.rolloutId(), t.rollback(), v.image());
    String eventId = t.rolloutId() + "/" + v.version() + (t.rollback() ? "/rollback" : "");
    return new Assignment(deviceId, model, v.version(), v.sha256(), v.length(), t.rolloutId(), t.rollback(), m,
        OtaApi.path(OtaApi.ARTIFACT, v.sha256()), poll, v.seenAtMs(), eventId);
  }

  private void report(Context ctx) {
    FleetView.Device d = callers.deviceCaller(ctx);
    Report rep = json.read(ctx, Report.class);
    DeviceReport.Status status;
    try {
      status = DeviceReport.Status.valueOf(rep.status() == null ? "" : rep.status());
    } catch (IllegalArgumentException e) {
      status = DeviceReport.Status.UNRECOGNIZED;
    }
    if (status == DeviceReport.Status.UNRECOGNIZED || status == DeviceReport.Status.STATUS_UNSPECIFIED) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "'status' must be one of RUNNING, INSTALLED, DOWNLOAD_FAILED, "
          + "VERIFY_FAILED, HEALTH_CHECK_FAILED, ROLLED_BACK");
    }
    if (rep.model() != null && !rep.model().equals(d.model())) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "'model' is " + rep.model() + " but device " + d.id() + " runs " + d.model());
    }
    if (rep.installedVersion() < 0 || rep.inferenceCount() < 0 || rep.errorCount() < 0 || rep.labelledCount() < 0) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "versions and counts must not be negative");
    }
    if (rep.accuracy() != null && !(rep.accuracy() >= 0 && rep.accuracy() <= 1)) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "'accuracy' must be within [0, 1]");
    }
    if (!(rep.latencyP50Ms() >= 0) || !(rep.latencyP99Ms() >= 0)) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "latencies must be finite and not negative");
    }
    DeviceReport.Builder b = DeviceReport.newBuilder().setDeviceId(d.id()).setModelName(d.model())
        .setInstalledVersion(rep.installedVersion()).setReportedAtMs(clock.millis()).setStatus(status)
        .setDetail(rep.detail() == null ? "" : Json.truncate(rep.detail(), 1000))
        // counts are what the device says: capped, so one device cannot outweigh a wave in the gates
        .setInferenceCount(Math.min(rep.inferenceCount(), limits.maxInferences())).setLatencyP50Ms(rep.latencyP50Ms())
        .setLatencyP99Ms(rep.latencyP99Ms()).setErrorCount(Math.min(rep.errorCount(), limits.maxInferences()))
        .setLabelledCount(Math.min(rep.labelledCount(), limits.maxLabelled()))
        .setRolloutId(rep.rolloutId() == null ? "" : Json.truncate(rep.rolloutId(), 200));
    if (rep.accuracy() != null) {
      b.setAccuracy(rep.accuracy());
    }
    long wait = reports.acquire(d.id());
    if (wait > 0) {
      throw new ApiException(ErrorCode.TOO_MANY_REQUESTS, "device " + d.id() + " reports too often", wait);
    }
    StateWrites.write(() -> stateLog.report(b.build()));
    metrics.report(status);
    ctx.status(202);
    Json.ok(ctx, Map.of("accepted", true));
  }

  /**
   * Streams a file, whole or one range, with its ETag; a matching If-None-Match gets 304.
   *
   * @throws NoSuchFileException before anything is written, when the file is gone
   */
  private void serve(Context ctx, Path file, String etag, String type, boolean delta) throws IOException {
    // opened first: a delta evicted after this is still read whole from the open file
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      serve(ctx, ch, etag, type, delta);
    }
  }

  private void serve(Context ctx, FileChannel file, String etag, String type, boolean delta) throws IOException {
    long length = file.size();
    ctx.header("ETag", etag);
    ctx.header("Accept-Ranges", "bytes");
    ctx.header("Cache-Control", "private, max-age=31536000, immutable"); // content-addressed
    String inm = ctx.header("If-None-Match");
    if (inm != null && (inm.equals(etag) || inm.equals("*"))) {
      ctx.status(304);
      return;
    }
    String ifRange = ctx.header("If-Range");
    ByteRange range = ifRange != null && !ifRange.equals(etag) ? null : ByteRange.parse(ctx.header("Range"), length);
    long first = range == null ? 0 : range.first();
    long count = range == null ? length : range.length();
    if (range != null) {
      ctx.status(206);
      ctx.header("Content-Range", "bytes " + range.first() + "-" + range.last() + "/" + length);
    }
    ctx.contentType(type);
    ctx.res().setContentLengthLong(count);
    long sent = 0;
    try {
      InputStream in = Channels.newInputStream(file.position(first));
      OutputStream out = ctx.outputStream();
      byte[] buf = new byte[64 * 1024];
      while (sent < count) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, count - sent));
        if (n < 0) {
          break;
        }
        out.write(buf, 0, n);
        sent += n;
      }
    } finally {
      metrics.served(delta, sent);
    }
  }

  private static String sha256Param(Context ctx) {
    String sha = ctx.pathParam("sha256");
    if (!Manifest.SHA256_HEX.matcher(sha).matches()) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "an artifact is named by its sha256: 64 lowercase hex digits");
    }
    return sha;
  }

  static Report toJson(DeviceReport r) {
    return new Report(r.getModelName(), r.getInstalledVersion(), r.getStatus().name(), r.getDetail(),
        r.getInferenceCount(), r.getLatencyP50Ms(), r.getLatencyP99Ms(), r.getErrorCount(),
        r.hasAccuracy() ? r.getAccuracy() : null, r.getLabelledCount(), r.getRolloutId(), r.getReportedAtMs());
  }

  void close() {
    hub.close();
  }
}
