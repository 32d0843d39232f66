package dev.distill.publisher.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.OtaApi.DeviceCredentials;
import dev.distill.contract.ota.OtaApi.RegisterDevice;
import dev.distill.contract.proto.DeviceRecord;
import dev.distill.contract.proto.Rollout;
import dev.distill.publisher.rollout.RolloutController;
import dev.distill.publisher.rollout.RolloutSettings;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.StateLog;
import dev.distill.publisher.state.VersionInfo;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The admin API (its own port, which no Ingress exposes; every call carries the admin token):
 * device registration and tokens, models and versions, and rollouts (start, pause, resume,
 * abort, pin).
 */
final class AdminApi {
  static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final FleetView view;
  private final StateLog stateLog;
  private final RolloutController controller;
  private final Clock clock;
  private final Callers callers;
  private final Json json;
  private final DeviceApi devices;
  private final SecureRandom random = new SecureRandom();

  AdminApi(FleetView view, StateLog stateLog, RolloutController controller, Clock clock, Callers callers, Json json,
      DeviceApi devices) {
    this.view = view;
    this.stateLog = stateLog;
    this.controller = controller;
    this.clock = clock;
    this.callers = callers;
    this.json = json;
    this.devices = devices;
  }

  void routes(RoutesConfig r) {
    r.before("/v1/admin/*", callers::requireAdmin);
    r.post("/v1/admin/devices", this::register);
    r.post("/v1/admin/devices/{deviceId}/token", ctx -> {
      FleetView.Device d = callers.knownDevice(ctx.pathParam("deviceId"));
      String token = newToken();
      StateWrites.write(() -> stateLog.registerDevice(d.record().toBuilder()
          .setTokenSha256(Callers.hex(Callers.sha256(token))).build()));
      Json.ok(ctx, new DeviceCredentials(d.id(), d.model(), token));
    });
    r.delete("/v1/admin/devices/{deviceId}", ctx -> {
      FleetView.Device d = callers.knownDevice(ctx.pathParam("deviceId"));
      StateWrites.write(() -> stateLog.deregisterDevice(d.id()));
      devices.hub().disconnect(d.id()); // its token no longer opens one, but an open stream would go on
      ctx.status(204);
    });
    r.get("/v1/admin/devices/{deviceId}", ctx -> {
      FleetView.Device d = callers.knownDevice(ctx.pathParam("deviceId"));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("deviceId", d.id());
      out.put("model", d.model());
      out.put("labels", d.record().getLabelsMap());
      out.put("waveBucket", d.bucket());
      out.put("assignment", devices.assignment(d.id(), d.model()));
      view.latestReport(d.id()).ifPresent(rep -> out.put("latestReport", DeviceApi.toJson(rep)));
      Json.ok(ctx, out);
    });
    r.get("/v1/admin/models", ctx -> {
      List<Object> out = new ArrayList<>();
      for (String model : view.models()) {
        out.add(modelSummary(model));
      }
      Json.ok(ctx, Map.of("models", out));
    });
    r.get("/v1/admin/models/{model}/versions", ctx -> {
      String model = callers.knownModel(ctx);
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
      Json.ok(ctx, Map.of("model", model, "versions", out));
    });
    r.get("/v1/admin/models/{model}/rollout", ctx -> Json.ok(ctx, modelSummary(callers.knownModel(ctx))));
    r.post("/v1/admin/models/{model}/rollouts", this::startRollout);
    r.post("/v1/admin/models/{model}/rollout/pause", ctx -> {
      String reason = Json.optionalText(json.body(ctx, false), "reason");
      Json.ok(ctx, rolloutJson(StateWrites.rollout(() -> controller.pause(callers.knownModel(ctx), reason))));
    });
    r.post("/v1/admin/models/{model}/rollout/resume", ctx ->
        Json.ok(ctx, rolloutJson(StateWrites.rollout(() -> controller.resume(callers.knownModel(ctx))))));
    r.post("/v1/admin/models/{model}/rollout/abort", ctx -> {
      String reason = Json.optionalText(json.body(ctx, false), "reason");
      Json.ok(ctx, rolloutJson(StateWrites.rollout(() -> controller.abort(callers.knownModel(ctx), reason))));
    });
    r.put("/v1/admin/models/{model}/pin", ctx -> {
      long version = Json.requiredLong(json.body(ctx, true), "version");
      if (version <= 0) {
        throw new ApiException(ErrorCode.INVALID_FIELD, "'version' must be positive (DELETE the pin to remove it)");
      }
      Json.ok(ctx, rolloutJson(StateWrites.rollout(() -> controller.pin(callers.knownModel(ctx), version))));
    });
    r.delete("/v1/admin/models/{model}/pin", ctx ->
        Json.ok(ctx, rolloutJson(StateWrites.rollout(() -> controller.pin(callers.knownModel(ctx), 0)))));
  }

  private void register(Context ctx) {
    RegisterDevice req = json.read(ctx, RegisterDevice.class);
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
        .setTokenSha256(Callers.hex(Callers.sha256(token))).setRegisteredAtMs(clock.millis())
        .putAllLabels(req.labels() == null ? Map.of() : req.labels()).build();
    StateWrites.write(() -> stateLog.registerDevice(rec));
    ctx.status(201);
    Json.ok(ctx, new DeviceCredentials(rec.getDeviceId(), rec.getModelName(), token));
  }

  private void startRollout(Context ctx) {
    String model = callers.knownModel(ctx);
    JsonNode body = json.body(ctx, true);
    long version = Json.requiredLong(body, "version");
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
    Rollout started = StateWrites.rollout(() -> controller.start(model, version, chosen));
    ctx.status(201);
    Json.ok(ctx, rolloutJson(started));
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

  private String newToken() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
