package dev.distill.publisher.http;

import dev.distill.contract.ota.Manifest;
import dev.distill.publisher.state.FleetView;
import dev.distill.publisher.state.StateLog;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Who is calling: the admin (one bearer token, compared by its hash in constant time) or a
 * registered device (its token's hash names it); and the lookups that answer 404 for unknown
 * names. Shared by the device and the admin API.
 */
final class Callers {
  private final FleetView view;
  private final StateLog stateLog;
  private final byte[] adminTokenHash;
  private final Operators operators;

  Callers(FleetView view, StateLog stateLog, String adminToken, Operators operators) {
    this.view = view;
    this.stateLog = stateLog;
    this.adminTokenHash = sha256(adminToken);
    this.operators = operators;
  }

  void requireReady() {
    if (!stateLog.caughtUp()) {
      throw new ApiException(ErrorCode.NOT_READY, "this replica is still reading its state from Kafka; retry shortly");
    }
  }

  /** The operator calling the admin API. */
  Operators.Operator operator(Context ctx) {
    return operators.byToken(bearer(ctx)).orElseThrow(() -> new ApiException(ErrorCode.INVALID_TOKEN, "wrong admin token"));
  }

  /** A viewer may only read. */
  static void requireRole(Operators.Operator op, Context ctx) {
    if (op.role() == Operators.Role.VIEWER && !ctx.method().name().equals("GET")) {
      throw new ApiException(ErrorCode.FORBIDDEN, "operator " + op.name() + " is a viewer: it may read, not change");
    }
  }

  /** The device named in the path, if the caller is that device (or an admin). */
  FleetView.Device deviceCaller(Context ctx) {
    String id = ctx.pathParam("deviceId");
    byte[] hash = sha256(bearer(ctx));
    boolean admin = MessageDigest.isEqual(hash, adminTokenHash);
    String owner = admin ? null : view.deviceByTokenHash(hex(hash)).orElse(null);
    if (!admin && owner == null) {
      throw new ApiException(ErrorCode.INVALID_TOKEN, "the token belongs to no registered device");
    }
    FleetView.Device d = knownDevice(id);
    if (!admin && !owner.equals(id)) {
      throw new ApiException(ErrorCode.FORBIDDEN, "a device may read and report only for itself");
    }
    return d;
  }

  /** Artifacts are not secret per device, but only the fleet and admins may fetch them. */
  void anyCaller(Context ctx) {
    byte[] hash = sha256(bearer(ctx));
    if (!MessageDigest.isEqual(hash, adminTokenHash) && view.deviceByTokenHash(hex(hash)).isEmpty()) {
      throw new ApiException(ErrorCode.INVALID_TOKEN, "the token belongs to no registered device");
    }
  }

  FleetView.Device knownDevice(String id) {
    return view.device(id).orElseThrow(() -> new ApiException(ErrorCode.UNKNOWN_DEVICE, "no device " + id));
  }

  String knownModel(Context ctx) {
    String model = ctx.pathParam("model");
    if (!view.models().contains(model)) {
      throw new ApiException(ErrorCode.UNKNOWN_MODEL, "no model named " + model);
    }
    return model;
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

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] b) {
    return Manifest.hex(b);
  }

  static byte[] unhex(String hex) {
    return java.util.HexFormat.of().parseHex(hex);
  }
}
