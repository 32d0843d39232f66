package dev.distill.publisher.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.contract.ota.Manifest;
import dev.distill.contract.ota.OtaApi.DeviceCredentials;
import dev.distill.contract.ota.OtaApi.RegisterDevice;
import dev.distill.contract.proto.AuditRecord;
import dev.distill.contract.proto.DeviceRecord;
import dev.distill.contract.proto.Rollout;
import dev.distill.contract.proto.RolloutCommand;
import dev.distill.contract.proto.RolloutOutcome;
import dev.distill.publisher.rollout.RolloutCommands;
import dev.distill.publisher.rollout.RolloutController;
import dev.distill.publisher.rollout.RolloutSettings;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.StateLog;
import dev.distill.publisher.state.StateLog.StateWriteException;
import dev.distill.publisher.state.VersionInfo;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The admin API (its own port, which no Ingress exposes; every call carries an operator's token,
 * {@link Operators}): device registration and tokens, models and versions, and rollouts (start,
 * pause, resume, abort, pin). Viewers read; operators also change, and every change asked for is
 * recorded in the {@link AuditTrail}.
 */
final class AdminApi {
  static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final String OPERATOR = "distill.operator";
  private static final int AUDIT_BODY_CHARS = 2048;

  private final FleetView view;
  private final StateLog stateLog;
  private final RolloutController controller;
  private final Clock clock;
  private final Callers callers;
  private final Json json;
  private final DeviceApi devices;
  private final AuditTrail audit;
  private final String replica;
  private final SecureRandom random = new SecureRandom();
  private final DeviceListing listing;

  AdminApi(FleetView view, StateLog stateLog, RolloutController controller, Clock clock, Callers callers, Json json,
      DeviceApi devices, AuditTrail audit, String replica) {
    this.view = view;
    this.stateLog = stateLog;
    this.controller = controller;
    this.clock = clock;
    this.callers = callers;
    this.json = json;
    this.devices = devices;
    this.audit = audit;
    this.replica = replica;
    this.listing = new DeviceListing(view, controller.assigner());
  }

  void routes(RoutesConfig r) {
    r.before("/v1/admin/*", ctx -> {
      Operators.Operator op = callers.operator(ctx);
      ctx.attribute(OPERATOR, op);
      Callers.requireRole(op, ctx);
    });
    // every change asked for, answered or refused, is recorded; reads are not
    r.after("/v1/admin/*", ctx -> {
      if (!ctx.method().name().equals("GET")) {
        audit.record(auditRecord(ctx));
      }
    });
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
    r.get("/v1/admin/devices", ctx -> Json.ok(ctx, listing.page(ctx)));
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
        out.add(VersionJson.of(v));
      }
      Json.ok(ctx, Map.of("model", model, "versions", out));
    });
    r.get("/v1/admin/models/{model}/rollout", ctx -> {
      String model = callers.knownModel(ctx);
      // the revision to send back as If-Match / expectedRevision
      view.rollout(model).ifPresent(state -> ctx.header("ETag", "\"" + state.getRevision() + "\""));
      Json.ok(ctx, modelSummary(model));
    });
    r.post("/v1/admin/models/{model}/rollouts", this::startRollout);
    r.post("/v1/admin/models/{model}/rollout/pause", ctx -> {
      JsonNode body = json.body(ctx, false);
      command(ctx, body, controller.command(callers.knownModel(ctx), RolloutCommand.Kind.PAUSE)
          .setReason(reasonOf(body)), 200);
    });
    r.post("/v1/admin/models/{model}/rollout/resume", ctx -> command(ctx, json.body(ctx, false),
        controller.command(callers.knownModel(ctx), RolloutCommand.Kind.RESUME), 200));
    r.post("/v1/admin/models/{model}/rollout/abort", ctx -> {
      JsonNode body = json.body(ctx, false);
      command(ctx, body, controller.command(callers.knownModel(ctx), RolloutCommand.Kind.ABORT)
          .setReason(reasonOf(body)), 200);
    });
    r.put("/v1/admin/models/{model}/pin", ctx -> {
      JsonNode body = json.body(ctx, true);
      long version = Json.requiredLong(body, "version");
      if (version <= 0) {
        throw new ApiException(ErrorCode.INVALID_FIELD, "'version' must be positive (DELETE the pin to remove it)");
      }
      command(ctx, body, controller.command(callers.knownModel(ctx), RolloutCommand.Kind.PIN).setVersion(version), 200);
    });
    r.delete("/v1/admin/models/{model}/pin", ctx -> command(ctx, json.body(ctx, false),
        controller.command(callers.knownModel(ctx), RolloutCommand.Kind.UNPIN), 200));
  }

  private static String reasonOf(JsonNode body) {
    String reason = Json.optionalText(body, "reason");
    return reason == null ? "" : reason;
  }

  /**
   * Sends an operator's command to the controller (whichever replica it is) and answers with
   * its outcome: the new state and revision; 409 with the current revision when it conflicts
   * (or the caller's {@code expectedRevision} / {@code If-Match} is stale); 503 when no
   * controller answered in time, the command still queued.
   */
  private void command(Context ctx, JsonNode body, RolloutCommand.Builder command, int status) {
    Long expected = expectedRevision(ctx, body);
    if (expected != null) {
      command.setExpectedRevision(expected);
    }
    RolloutOutcome outcome;
    try {
      outcome = controller.submit(command.build());
    } catch (RolloutCommands.NoControllerException e) {
      throw new ApiException(ErrorCode.STATE_UNAVAILABLE, e.getMessage());
    } catch (StateWriteException e) {
      throw new ApiException(ErrorCode.STATE_UNAVAILABLE, "cannot queue the command: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(ErrorCode.STATE_UNAVAILABLE, "interrupted while waiting for the rollout controller");
    }
    switch (outcome.getResult()) {
      case APPLIED -> {
        ctx.status(status).header("ETag", "\"" + outcome.getRollout().getRevision() + "\"");
        Json.ok(ctx, rolloutJson(outcome.getRollout()));
      }
      case UNKNOWN_MODEL -> throw new ApiException(ErrorCode.UNKNOWN_MODEL, outcome.getMessage());
      case UNKNOWN_VERSION -> throw new ApiException(ErrorCode.UNKNOWN_VERSION, outcome.getMessage());
      default -> {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("code", ErrorCode.ROLLOUT_CONFLICT.name());
        err.put("message", outcome.getMessage());
        err.put("revision", outcome.hasRollout() ? outcome.getRollout().getRevision() : 0L);
        if (outcome.hasRollout()) {
          err.put("rollout", rolloutJson(outcome.getRollout()));
        }
        ctx.status(ErrorCode.ROLLOUT_CONFLICT.status());
        Json.ok(ctx, err);
      }
    }
  }

  /** The revision the operator saw: {@code expectedRevision} in the body, or {@code If-Match: "<revision>"}. */
  private static Long expectedRevision(Context ctx, JsonNode body) {
    if (body != null && body.has("expectedRevision")) {
      JsonNode n = body.get("expectedRevision");
      if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < 0) {
        throw new ApiException(ErrorCode.INVALID_FIELD, "'expectedRevision' must be a revision (an integer >= 0)");
      }
      return n.asLong();
    }
    String ifMatch = ctx.header("If-Match");
    if (ifMatch == null || ifMatch.isBlank()) {
      return null;
    }
    String tag = ifMatch.trim();
    if (tag.startsWith("W/")) {
      tag = tag.substring(2);
    }
    tag = tag.replace("\"", "");
    try {
      return Long.parseLong(tag);
    } catch (NumberFormatException e) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "'If-Match' must be a rollout revision, e.g. \"7\"");
    }
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
    List<Double> waves = List.of(); // the controller's default waves
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
    command(ctx, body, controller.command(model, RolloutCommand.Kind.START).setVersion(version).addAllWaves(waves), 201);
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
    m.put("revision", r.getRevision());
    m.put("commandId", r.getCommandId());
    return m;
  }

  /** Who asked for what, and how it ended: the caller's operator ("unknown" when its token was refused). */
  private AuditRecord auditRecord(Context ctx) {
    Operators.Operator op = ctx.attribute(OPERATOR);
    byte[] body = ctx.attribute(Json.BODY);
    String code = "";
    if (ctx.status().getCode() >= 400) {
      code = Json.errorCode(ctx.result());
    }
    return AuditRecord.newBuilder().setAtMs(clock.millis())
        .setOperator(op == null ? "unknown" : op.name()).setRole(op == null ? "" : op.role().label())
        .setMethod(ctx.method().name()).setPath(ctx.path()).setStatus(ctx.status().getCode()).setCode(code)
        .setBody(body == null ? "" : Json.truncate(new String(body, StandardCharsets.UTF_8), AUDIT_BODY_CHARS))
        .setReplica(replica).build();
  }

  private String newToken() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
