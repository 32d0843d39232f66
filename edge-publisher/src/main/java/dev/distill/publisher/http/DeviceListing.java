package dev.distill.publisher.http;

import dev.distill.contract.proto.DeviceReport;
import dev.distill.publisher.rollout.Assigner;
import dev.distill.publisher.state.FleetView;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code GET /v1/admin/devices}: the fleet a page at a time, in device-id order, filtered by
 * model, installed version, last reported status or being behind (running another version than
 * the one assigned). Pages are keyed by the last id seen ({@code after}), so a page stays right
 * while devices register and leave, and a fleet of any size is walked in bounded answers.
 */
final class DeviceListing {
  static final int DEFAULT_LIMIT = 100;
  static final String NEVER_REPORTED = "NEVER_REPORTED";
  static final int MAX_LIMIT = 1000;
  /** A device's status: the one of its latest report, or NEVER_REPORTED. */
  static final List<String> STATUSES = java.util.stream.Stream.concat(
      java.util.Arrays.stream(DeviceReport.Status.values())
          .filter(s -> s != DeviceReport.Status.STATUS_UNSPECIFIED && s != DeviceReport.Status.UNRECOGNIZED)
          .map(Enum::name),
      java.util.stream.Stream.of(NEVER_REPORTED)).toList();

  private final FleetView view;
  private final Assigner assigner;

  DeviceListing(FleetView view, Assigner assigner) {
    this.view = view;
    this.assigner = assigner;
  }

  Map<String, Object> page(Context ctx) {
    String model = ctx.queryParam("model");
    Long version = longParam(ctx, "version");
    String status = statusParam(ctx);
    boolean behind = boolParam(ctx, "behind");
    String after = ctx.queryParam("after");
    Long limitParam = longParam(ctx, "limit");
    int limit = limitParam == null ? DEFAULT_LIMIT : (int) Math.min(limitParam, MAX_LIMIT);
    if (limit < 1) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "'limit' must be at least 1");
    }
    Predicate<Map<String, Object>> wanted = row -> (version == null || version.equals(row.get("installedVersion")))
        && (status == null || status.equals(row.get("status")))
        && (!behind || !row.get("installedVersion").equals(row.get("assignedVersion")));
    List<Map<String, Object>> rows = new ArrayList<>();
    int matching = 0;
    String next = null;
    for (FleetView.Device d : view.devices()) {
      if (model != null && !model.equals(d.model())) {
        continue;
      }
      Map<String, Object> row = row(d);
      if (!wanted.test(row)) {
        continue;
      }
      matching++;
      if (after != null && d.id().compareTo(after) <= 0) {
        continue;
      }
      if (rows.size() < limit) {
        rows.add(row);
      } else if (next == null) {
        next = (String) rows.get(rows.size() - 1).get("deviceId");
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("devices", rows);
    out.put("matching", matching);
    out.put("next", next);
    return out;
  }

  private Map<String, Object> row(FleetView.Device d) {
    DeviceReport rep = view.latestReport(d.id()).orElse(null);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("deviceId", d.id());
    row.put("model", d.model());
    row.put("installedVersion", rep == null ? 0L : rep.getInstalledVersion());
    row.put("assignedVersion", assigner.target(d.id(), d.model()).version());
    row.put("status", rep == null ? NEVER_REPORTED : rep.getStatus().name());
    row.put("reportedAtMs", rep == null ? 0L : rep.getReportedAtMs());
    return row;
  }

  private static Long longParam(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return null;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "'" + name + "' must be a whole number >= 0, not '" + Json.truncate(v, 40) + "'");
    }
  }

  private static boolean boolParam(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null || v.equals("false")) {
      return false;
    }
    if (v.equals("true")) {
      return true;
    }
    throw new ApiException(ErrorCode.INVALID_FIELD, "'" + name + "' must be true or false");
  }

  private static String statusParam(Context ctx) {
    String v = ctx.queryParam("status");
    if (v == null) {
      return null;
    }
    String upper = v.toUpperCase(Locale.ROOT);
    if (!STATUSES.contains(upper)) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "'status' must be one of " + String.join(", ", STATUSES));
    }
    return upper;
  }
}
