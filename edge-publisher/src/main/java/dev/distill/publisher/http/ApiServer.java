package dev.distill.publisher.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.distill.contract.ota.Ed25519Keys;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.OtaApi;
import dev.distill.contract.ota.OtaApi.Assignment;
import dev.distill.contract.ota.OtaApi.DeviceCredentials;
import dev.distill.contract.ota.OtaApi.RegisterDevice;
import dev.distill.contract.ota.OtaApi.Report;
import dev.distill.contract.ota.SignedManifest;
import dev.distill.contract.proto.DeviceRecord;
import dev.distill.contract.proto.DeviceReport;
import dev.distill.contract.proto.Rollout;
import dev.distill.publisher.rollout.RolloutController;
import dev.distill.publisher.rollout.RolloutException;
import dev.distill.publisher.rollout.RolloutSettings;
import dev.distill.publisher.rollout.Target;
import dev.distill.publisher.rollout.WaveStats;
import dev.distill.publisher.sign.ManifestIssuer;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.StateLog;
import dev.distill.publisher.state.StateLog.StateWriteException;
import dev.distill.publisher.state.VersionInfo;
import dev.distill.publisher.store.ArtifactStore;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code /v1} API on Javalin; one instance per replica. */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  public static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final String JSON = "application/json";
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .build();

  /**
   * @param adminToken the bearer token of the admin API
   * @param pollInterval what devices are told about how often to poll without a push channel
   * @param maxBodyBytes larger request bodies are refused before they are read
   * @param keepAlive interval of comments on idle event streams (proxies close silent ones)
   */
  public record Settings(String adminToken, Duration pollInterval, int maxBodyBytes, Duration keepAlive) {
    @Override
    public String toString() {
      return "Settings[adminToken=****, pollInterval=" + pollInterval + ", maxBodyBytes=" + maxBodyBytes
          + ", keepAlive=" + keepAlive + "]";
    }
  }

  private final Settings settings;
  private final FleetView view;
  private final StateLog stateLog;
  private final RolloutController controller;
  private final ManifestIssuer issuer;
  private final ArtifactStore store;
  private final PublisherMetrics metrics;
  private final Clock clock;
  private final PushHub hub;
  private final Javalin app;
  private final SecureRandom random = new SecureRandom();
  private final byte[] adminTokenHash;

  private ApiServer(Settings settings, FleetView view, StateLog stateLog, RolloutController controller,
      ManifestIssuer issuer, ArtifactStore store, PublisherMetrics metrics, Clock clock, int port) {
    this.settings = settings;
    this.view = view;
    this.stateLog = stateLog;
    this.controller = controller;
    this.issuer = issuer;
    this.store = store;
    this.metrics = metrics;
    this.clock = clock;
    this.adminTokenHash = sha256(settings.adminToken());
    this.hub = new PushHub(this::assignment, ApiServer::json, metrics, settings.keepAlive());
    metrics.connectedDevices(hub::connected);
    metrics.registeredDevices(view::deviceCount);
    view.onChange(hub::changed);
    this.app = Javalin.create(config -> {
      config.http.compressionStrategy = CompressionStrategy.NONE;
      config.http.maxRequestSize = settings.maxBodyBytes();
      config.startup.showJavalinBanner = false;
      routes(config.routes);
    });
    app.start(port);
  }

  public static ApiServer start(int port, Settings settings, FleetView view, StateLog stateLog,
      RolloutController controller, ManifestIssuer issuer, ArtifactStore store, PublisherMetrics metrics, Clock clock) {
    return new ApiServer(settings, view, stateLog, controller, issuer, store, metrics, clock, port);
  }

  public int port() {
    return app.port();
  }

  public PushHub hub() {
    return hub;
  }

  private void routes(io.javalin.config.RoutesConfig r) {
    r.exception(ApiException.class, (e, ctx) -> error(ctx, e.code(), e.getMessage()));
    r.exception(HttpResponseException.class, (e, ctx) -> error(ctx, ErrorCode.forStatus(e.getStatus()), e.getMessage()));
    r.exception(Exception.class, (e, ctx) -> {
      log.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
      error(ctx, ErrorCode.INTERNAL, "unexpected failure; the publisher logged it");
    });
    r.error(404, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty()) {
        error(ctx, ErrorCode.NOT_FOUND, "no such resource: " + ctx.method() + " " + ctx.path());
      }
    });
    r.error(405, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty()) {
        error(ctx, ErrorCode.METHOD_NOT_ALLOWED, ctx.method() + " is not allowed on " + ctx.path());
      }
    });

    r.before("/v1/*", ctx -> {
      long declared = ctx.req().getContentLengthLong();
      if (declared > settings.maxBodyBytes()) {
        throw new ApiException(ErrorCode.BODY_TOO_LARGE,
            "request body of " + declared + " bytes; at most " + settings.maxBodyBytes() + " accepted");
      }
    });
    r.before("/v1/devices/*", ctx -> requireReady());
    r.before("/v1/artifacts/*", ctx -> requireReady());

    r.get(OtaApi.KEYS, ctx -> {
      var pub = issuer.signer().publicKey();
      ok(ctx, new OtaApi.Keys(List.of(new OtaApi.PublicKeyInfo(Ed25519Keys.keyId(pub), Ed25519Keys.ALGORITHM,
          Base64.getEncoder().encodeToString(Ed25519Keys.raw(pub))))));
    });

    // ---- devices
    r.get(OtaApi.ASSIGNMENT, ctx -> {
      FleetView.Device d = deviceCaller(ctx);
      ok(ctx, assignment(d.id(), d.model()));
    });
    r.before(OtaApi.EVENTS, ctx -> {
      deviceCaller(ctx);
      String accept = ctx.header("Accept");
      if (accept == null || !accept.contains("text/event-stream")) {
        throw new ApiException(ErrorCode.NOT_ACCEPTABLE, "event streams need 'Accept: text/event-stream'");
      }
    });
    r.sse(OtaApi.EVENTS, client -> {
      FleetView.Device d = view.device(client.ctx().pathParam("deviceId")).orElseThrow();
      hub.open(client, d.id(), d.model(), client.ctx().header("Last-Event-ID"));
    });
    r.post(OtaApi.REPORTS, this::report);
    r.get(OtaApi.REPORTS, ctx -> {
      FleetView.Device d = deviceCaller(ctx);
      List<Report> out = new ArrayList<>();
      for (DeviceReport rep : view.reports(d.id())) {
        out.add(toJson(rep));
      }
      ok(ctx, Map.of("deviceId", d.id(), "reports", out));
    });
    r.get(OtaApi.ARTIFACT, ctx -> {
      anyCaller(ctx);
      String sha = sha256Param(ctx);
      Path file = store.path(sha).orElseThrow(() -> new ApiException(ErrorCode.UNKNOWN_ARTIFACT, "no artifact " + sha));
      serve(ctx, file, "\"" + sha + "\"", "application/octet-stream", false);
    });
    r.get(OtaApi.DELTA, ctx -> {
      anyCaller(ctx);
      String target = sha256Param(ctx);
      String base = ctx.queryParam("from");
      if (base == null || !Manifest.SHA256_HEX.matcher(base).matches()) {
        throw new ApiException(ErrorCode.INVALID_FIELD, "query parameter 'from' must be the sha256 (64 lowercase hex) of the installed artifact");
      }
      if (!store.has(target)) {
        throw new ApiException(ErrorCode.UNKNOWN_ARTIFACT, "no artifact " + target);
      }
      Path delta = store.delta(base, target).orElseThrow(() -> new ApiException(ErrorCode.DELTA_UNAVAILABLE,
          "no delta from " + base + ": download the full artifact"));
      serve(ctx, delta, "\"" + base + "-" + target + "\"", dev.distill.contract.ota.DeltaCodec.MEDIA_TYPE, true);
    });

    // ---- admin
    r.before("/v1/admin/*", ctx -> requireAdmin(ctx));
    r.post("/v1/admin/devices", this::register);
    r.post("/v1/admin/devices/{deviceId}/token", ctx -> {
      FleetView.Device d = knownDevice(ctx.pathParam("deviceId"));
      String token = newToken();
      write(() -> stateLog.registerDevice(d.record().toBuilder().setTokenSha256(hex(sha256(token))).build()));
      ok(ctx, new DeviceCredentials(d.id(), d.model(), token));
    });
    r.get("/v1/admin/devices/{deviceId}", ctx -> {
      FleetView.Device d = knownDevice(ctx.pathParam("deviceId"));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("deviceId", d.id());
      out.put("model", d.model());
      out.put("labels", d.record().getLabelsMap());
      out.put("waveBucket", d.bucket());
      out.put("assignment", assignment(d.id(), d.model()));
      view.latestReport(d.id()).ifPresent(rep -> out.put("latestReport", toJson(rep)));
      ok(ctx, out);
    });
    r.get("/v1/admin/models", ctx -> {
      List<Object> out = new ArrayList<>();
      for (String model : view.models()) {
        out.add(modelSummary(model));
      }
      ok(ctx, Map.of("models", out));
    });
    r.get("/v1/admin/models/{model}/versions", ctx -> {
      String model = knownModel(ctx);
      List<Object> out = new ArrayList<>();
      for (VersionInfo v : view.versions(model)) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", v.version());
        m.put("parentVersion", v.metadata().getParentVersion());
        m.put("sha256", v.sha256());
        m.put("length", v.length());
        m.put("createdAtMs", v.metadata().getCreatedAtMs());
        m.put("seenAtMs", v.seenAtMs());
        m.put("architecture", v.metadata().getArchitecture());
        m.put("teacher", v.metadata().getTeacherId() + "@" + v.metadata().getTeacherVersion());
        m.put("metrics", v.metadata().getMetricsMap());
        out.add(m);
      }
      ok(ctx, Map.of("model", model, "versions", out));
    });
    r.get("/v1/admin/models/{model}/rollout", ctx -> ok(ctx, modelSummary(knownModel(ctx))));
    r.post("/v1/admin/models/{model}/rollouts", ctx -> {
      String model = knownModel(ctx);
      JsonNode body = body(ctx, true);
      long version = requiredLong(body, "version");
      List<Double> waves = controller.settings().waves();
      if (body.has("waves")) {
        waves = new ArrayList<>();
        if (!body.get("waves").isArray()) {
          throw new ApiException(ErrorCode.INVALID_FIELD, "'waves' must be an array of fractions, e.g. [0.01, 0.1, 1.0]");
        }
        for (JsonNode w : body.get("waves")) {
          if (!w.isNumber()) {
            throw new ApiException(ErrorCode.INVALID_FIELD, "'waves' must hold numbers");
          }
          waves.add(w.asDouble());
        }
        String problem = RolloutSettings.checkWaves(waves);
        if (problem != null) {
          throw new ApiException(ErrorCode.INVALID_FIELD, "'waves': " + problem);
        }
      }
      List<Double> chosen = waves;
      Rollout started = rollout(() -> controller.start(model, version, chosen));
      ctx.status(201);
      ok(ctx, rolloutJson(started));
    });
    r.post("/v1/admin/models/{model}/rollout/pause", ctx -> {
      String reason = optionalText(body(ctx, false), "reason");
      ok(ctx, rolloutJson(rollout(() -> controller.pause(knownModel(ctx), reason))));
    });
    r.post("/v1/admin/models/{model}/rollout/resume", ctx -> ok(ctx, rolloutJson(rollout(() -> controller.resume(knownModel(ctx))))));
    r.post("/v1/admin/models/{model}/rollout/abort", ctx -> {
      String reason = optionalText(body(ctx, false), "reason");
      ok(ctx, rolloutJson(rollout(() -> controller.abort(knownModel(ctx), reason))));
    });
    r.put("/v1/admin/models/{model}/pin", ctx -> {
      long version = requiredLong(body(ctx, true), "version");
      if (version <= 0) {
        throw new ApiException(ErrorCode.INVALID_FIELD, "'version' must be positive (DELETE the pin to remove it)");
      }
      ok(ctx, rolloutJson(rollout(() -> controller.pin(knownModel(ctx), version))));
    });
    r.delete("/v1/admin/models/{model}/pin", ctx -> ok(ctx, rolloutJson(rollout(() -> controller.pin(knownModel(ctx), 0)))));
  }

  // ---- assignments

  /** The current assignment of a device: the same on every replica for the same state. */
  public Assignment assignment(String deviceId, String model) {
    Target t = controller.assigner().target(deviceId, model);
    long poll = settings.pollInterval().toSeconds();
    VersionInfo v = t.version() == 0 ? null : view.version(model, t.version()).orElse(null);
    if (v == null) {
      return new Assignment(deviceId, model, 0, null, 0, t.rolloutId(), false, null, null, poll, 0,
          "none/" + t.rolloutId());
    }
    SignedManifest m = issuer.issue(model, v.version(), v.sha256(), v.length(), t.rolloutId(), t.rollback());
    String eventId = t.rolloutId() + "/" + v.version() + (t.rollback() ? "/rollback" : "");
    return new Assignment(deviceId, model, v.version(), v.sha256(), v.length(), t.rolloutId(), t.rollback(), m,
        OtaApi.path(OtaApi.ARTIFACT, v.sha256()), poll, v.seenAtMs(), eventId);
  }

  private Map<String, Object> modelSummary(String model) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", model);
    out.put("latestVersion", view.latestVersion(model).map(VersionInfo::version).orElse(0L));
    view.rollout(model).ifPresent(r -> {
      out.put("rollout", rolloutJson(r));
      out.put("gate", controller.stats(r));
    });
    Map<String, Integer> perVersion = new LinkedHashMap<>();
    view.devicesPerVersion(model).forEach((v, n) -> perVersion.put(Long.toString(v), n));
    out.put("devicesPerVersion", perVersion);
    return out;
  }

  private static Map<String, Object> rolloutJson(Rollout r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rolloutId", r.getRolloutId());
    m.put("model", r.getModelName());
    m.put("state", r.getState().name());
    m.put("targetVersion", r.getTargetVersion());
    m.put("lastGoodVersion", r.getLastGoodVersion());
    m.put("waves", r.getWavesList());
    m.put("currentWave", r.getCurrentWave());
    m.put("pinnedVersion", r.getPinnedVersion());
    m.put("reason", r.getReason());
    m.put("startedAtMs", r.getStartedAtMs());
    m.put("waveStartedAtMs", r.getWaveStartedAtMs());
    m.put("updatedAtMs", r.getUpdatedAtMs());
    return m;
  }

  // ---- handlers

  private void register(Context ctx) {
    RegisterDevice req = read(ctx, RegisterDevice.class);
    if (req.deviceId() == null || !DEVICE_ID.matcher(req.deviceId()).matches()) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "'deviceId' must match " + DEVICE_ID);
    }
    if (req.model() == null || !Manifest.MODEL_NAME.matcher(req.model()).matches()) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "'model' must match " + Manifest.MODEL_NAME);
    }
    if (view.device(req.deviceId()).isPresent()) {
      throw new ApiException(ErrorCode.DEVICE_EXISTS,
          "device " + req.deviceId() + " is registered; POST /v1/admin/devices/{deviceId}/token issues a new token");
    }
    String token = newToken();
    DeviceRecord rec = DeviceRecord.newBuilder().setDeviceId(req.deviceId()).setModelName(req.model())
        .setTokenSha256(hex(sha256(token))).setRegisteredAtMs(clock.millis())
        .putAllLabels(req.labels() == null ? Map.of() : req.labels()).build();
    write(() -> stateLog.registerDevice(rec));
    ctx.status(201);
    ok(ctx, new DeviceCredentials(rec.getDeviceId(), rec.getModelName(), token));
  }

  private void report(Context ctx) {
    FleetView.Device d = deviceCaller(ctx);
    Report rep = read(ctx, Report.class);
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
        .setDetail(rep.detail() == null ? "" : truncate(rep.detail(), 1000))
        .setInferenceCount(rep.inferenceCount()).setLatencyP50Ms(rep.latencyP50Ms()).setLatencyP99Ms(rep.latencyP99Ms())
        .setErrorCount(rep.errorCount()).setLabelledCount(rep.labelledCount())
        .setRolloutId(rep.rolloutId() == null ? "" : truncate(rep.rolloutId(), 200));
    if (rep.accuracy() != null) {
      b.setAccuracy(rep.accuracy());
    }
    write(() -> stateLog.report(b.build()));
    metrics.report(status);
    ctx.status(202);
    ok(ctx, Map.of("accepted", true));
  }

  /** Streams a file, whole or one range, with its ETag; a matching If-None-Match gets 304. */
  private void serve(Context ctx, Path file, String etag, String type, boolean delta) throws IOException {
    long length = Files.size(file);
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
    try (InputStream in = Files.newInputStream(file)) {
      in.skipNBytes(first);
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

  // ---- callers

  private void requireReady() {
    if (!stateLog.caughtUp()) {
      throw new ApiException(ErrorCode.NOT_READY, "this replica is still reading its state from Kafka; retry shortly");
    }
  }

  private void requireAdmin(Context ctx) {
    String token = bearer(ctx);
    if (!MessageDigest.isEqual(sha256(token), adminTokenHash)) {
      throw new ApiException(ErrorCode.INVALID_TOKEN, "wrong admin token");
    }
  }

  /** The device named in the path, if the caller is that device (or an admin). */
  private FleetView.Device deviceCaller(Context ctx) {
    String id = ctx.pathParam("deviceId");
    String token = bearer(ctx);
    byte[] hash = sha256(token);
    boolean admin = MessageDigest.isEqual(hash, adminTokenHash);
    String owner = admin ? null : view.deviceByTokenHash(hex(hash)).orElse(null);
    if (!admin && owner == null) {
      throw new ApiException(ErrorCode.INVALID_TOKEN, "the token belongs to no registered device");
    }
    FleetView.Device d = view.device(id).orElseThrow(() -> new ApiException(ErrorCode.UNKNOWN_DEVICE, "no device " + id));
    if (!admin && !owner.equals(id)) {
      throw new ApiException(ErrorCode.FORBIDDEN, "a device may read and report only for itself");
    }
    return d;
  }

  /** Artifacts are not secret per device, but only the fleet and admins may fetch them. */
  private void anyCaller(Context ctx) {
    byte[] hash = sha256(bearer(ctx));
    if (!MessageDigest.isEqual(hash, adminTokenHash) && view.deviceByTokenHash(hex(hash)).isEmpty()) {
      throw new ApiException(ErrorCode.INVALID_TOKEN, "the token belongs to no registered device");
    }
  }

  private static String bearer(Context ctx) {
    String h = ctx.header("Authorization");
    if (h == null || h.isBlank()) {
      throw new ApiException(ErrorCode.MISSING_TOKEN, "send 'Authorization: Bearer <token>'");
    }
    if (!h.regionMatches(true, 0, "Bearer ", 0, 7) || h.length() == 7) {
      throw new ApiException(ErrorCode.INVALID_TOKEN, "the Authorization header must be 'Bearer <token>'");
    }
    return h.substring(7).trim();
  }

  private FleetView.Device knownDevice(String id) {
    return view.device(id).orElseThrow(() -> new ApiException(ErrorCode.UNKNOWN_DEVICE, "no device " + id));
  }

  private String knownModel(Context ctx) {
    String model = ctx.pathParam("model");
    if (!view.models().contains(model)) {
      throw new ApiException(ErrorCode.UNKNOWN_MODEL, "no model named " + model);
    }
    return model;
  }

  private static String sha256Param(Context ctx) {
    String sha = ctx.pathParam("sha256");
    if (!Manifest.SHA256_HEX.matcher(sha).matches()) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "an artifact is named by its sha256: 64 lowercase hex digits");
    }
    return sha;
  }

  // ---- bodies

  private <T> T read(Context ctx, Class<T> type) {
    JsonNode node = body(ctx, true);
    try {
      return MAPPER.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "body does not fit " + type.getSimpleName() + ": "
          + e.getOriginalMessage());
    }
  }

  private JsonNode body(Context ctx, boolean required) {
    String type = ctx.header("Content-Type");
    if (type != null && !type.isBlank() && !type.toLowerCase().startsWith(JSON)) {
      throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send JSON ('Content-Type: application/json'), not " + type);
    }
    byte[] bytes;
    try (InputStream in = ctx.req().getInputStream()) {
      // chunked bodies declare no length: read one byte past the limit to know
      bytes = in.readNBytes(settings.maxBodyBytes() + 1);
    } catch (IOException e) {
      throw new ApiException(ErrorCode.MALFORMED_JSON, "cannot read the body: " + e.getMessage());
    }
    if (bytes.length > settings.maxBodyBytes()) {
      throw new ApiException(ErrorCode.BODY_TOO_LARGE, "request body over " + settings.maxBodyBytes() + " bytes");
    }
    if (bytes.length == 0) {
      if (required) {
        throw new ApiException(ErrorCode.MALFORMED_JSON, "a JSON body is required");
      }
      return MAPPER.createObjectNode();
    }
    try {
      JsonNode node = MAPPER.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new ApiException(ErrorCode.MALFORMED_JSON, "the body must be a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new ApiException(ErrorCode.MALFORMED_JSON, "malformed JSON: " + firstLine(e.getMessage()));
    }
  }

  private static long requiredLong(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || !n.canConvertToLong() || !n.isIntegralNumber()) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "'" + field + "' must be an integer");
    }
    return n.asLong();
  }

  private static String optionalText(JsonNode body, String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() ? null : truncate(n.asText(), 500);
  }

  private static void ok(Context ctx, Object body) {
    ctx.contentType(JSON).result(json(body));
  }

  private static void error(Context ctx, ErrorCode code, String message) {
    ctx.status(code.status()).contentType(JSON).result(json(new OtaApi.ApiError(code.name(), message)));
  }

  static String json(Object body) {
    try {
      return MAPPER.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private static Report toJson(DeviceReport r) {
    return new Report(r.getModelName(), r.getInstalledVersion(), r.getStatus().name(), r.getDetail(),
        r.getInferenceCount(), r.getLatencyP50Ms(), r.getLatencyP99Ms(), r.getErrorCount(),
        r.hasAccuracy() ? r.getAccuracy() : null, r.getLabelledCount(), r.getRolloutId(), r.getReportedAtMs());
  }

  // ---- writes

  private interface Write {
    void run() throws StateWriteException;
  }

  private interface RolloutCall {
    Rollout run() throws RolloutException, StateWriteException;
  }

  private static void write(Write w) {
    try {
      w.run();
    } catch (StateWriteException e) {
      throw new ApiException(ErrorCode.STATE_UNAVAILABLE, "cannot record the change: " + e.getMessage());
    }
  }

  private static Rollout rollout(RolloutCall call) {
    try {
      return call.run();
    } catch (RolloutException e) {
      throw new ApiException(switch (e.kind()) {
        case UNKNOWN_MODEL -> ErrorCode.UNKNOWN_MODEL;
        case UNKNOWN_VERSION -> ErrorCode.UNKNOWN_VERSION;
        case CONFLICT -> ErrorCode.ROLLOUT_CONFLICT;
      }, e.getMessage());
    } catch (StateWriteException e) {
      throw new ApiException(ErrorCode.STATE_UNAVAILABLE, "cannot record the change: " + e.getMessage());
    }
  }

  private String newToken() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] b) {
    return Manifest.hex(b);
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** For the admin status: the current wave's gate figures. */
  public WaveStats gate(Rollout r) {
    return controller.stats(r);
  }

  @Override
  public void close() {
    hub.close();
    app.stop();
  }
}
