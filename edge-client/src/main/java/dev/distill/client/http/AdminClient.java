package dev.distill.client.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.contract.ota.OtaApi.DeviceCredentials;
import dev.distill.contract.ota.OtaApi.RegisterDevice;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calls of the publisher's admin API, which listens on its own port (inside the cluster, never
 * behind the Ingress devices use). Every call carries the admin token. Thread-safe.
 */
public final class AdminClient {
  private final HttpClient http;
  private final URI base;
  private final String adminToken;

  public AdminClient(HttpClient http, URI base, String adminToken) {
    this.http = http;
    this.base = base;
    this.adminToken = adminToken;
  }

  public DeviceCredentials register(String deviceId, String model) throws PublisherException {
    return PublisherClient.call(http, PublisherClient.json(PublisherClient.auth(
        HttpRequest.newBuilder(base.resolve("/v1/admin/devices")), adminToken),
        new RegisterDevice(deviceId, model, null)), DeviceCredentials.class);
  }

  /** A new token for a registered device (the old one stops working). */
  public DeviceCredentials rotateToken(String deviceId) throws PublisherException {
    return PublisherClient.call(http, PublisherClient.auth(
        HttpRequest.newBuilder(base.resolve("/v1/admin/devices/" + deviceId + "/token")), adminToken)
        .POST(HttpRequest.BodyPublishers.noBody()), DeviceCredentials.class);
  }

  /** Registers a device, or issues it a new token when it exists (a simulator restarting). */
  public DeviceCredentials registerOrRotate(String deviceId, String model) throws PublisherException {
    try {
      return register(deviceId, model);
    } catch (PublisherException e) {
      if (e.status() == 409) {
        return rotateToken(deviceId);
      }
      throw e;
    }
  }

  /** Removes a device: its token stops working and its event stream closes. */
  public void deregister(String deviceId) throws PublisherException {
    send("DELETE", "/v1/admin/devices/" + segment(deviceId), null);
  }

  /**
   * One page of the fleet in device-id order ({@code GET /v1/admin/devices}); null filters are
   * left out. The answer's {@code next}, when not null, is the {@code after} of the next page.
   */
  public JsonNode devices(String model, Long version, String status, boolean behind, String after, int limit)
      throws PublisherException {
    StringBuilder q = new StringBuilder("/v1/admin/devices?limit=").append(limit);
    if (model != null) {
      q.append("&model=").append(segment(model));
    }
    if (version != null) {
      q.append("&version=").append(version);
    }
    if (status != null) {
      q.append("&status=").append(segment(status));
    }
    if (behind) {
      q.append("&behind=true");
    }
    if (after != null) {
      q.append("&after=").append(segment(after));
    }
    return get(q.toString());
  }

  /** Every model with its latest version, its rollout (state, wave, gate) and devices per version. */
  public JsonNode models() throws PublisherException {
    return get("/v1/admin/models");
  }

  /** Starts a rollout of {@code version}; {@code waves} null takes the publisher's own. */
  public JsonNode startRollout(String model, long version, List<Double> waves) throws PublisherException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("version", version);
    if (waves != null) {
      body.put("waves", waves);
    }
    return send("POST", "/v1/admin/models/" + segment(model) + "/rollouts", body);
  }

  public JsonNode pause(String model, String reason) throws PublisherException {
    return send("POST", "/v1/admin/models/" + segment(model) + "/rollout/pause", reason(reason));
  }

  public JsonNode resume(String model) throws PublisherException {
    return send("POST", "/v1/admin/models/" + segment(model) + "/rollout/resume", null);
  }

  public JsonNode abort(String model, String reason) throws PublisherException {
    return send("POST", "/v1/admin/models/" + segment(model) + "/rollout/abort", reason(reason));
  }

  /** Pins every device of the model to {@code version}; {@link #unpin} lets the rollout decide again. */
  public JsonNode pin(String model, long version) throws PublisherException {
    return send("PUT", "/v1/admin/models/" + segment(model) + "/pin", Map.of("version", version));
  }

  public JsonNode unpin(String model) throws PublisherException {
    return send("DELETE", "/v1/admin/models/" + segment(model) + "/pin", null);
  }

  private JsonNode get(String path) throws PublisherException {
    return PublisherClient.call(http, PublisherClient.auth(HttpRequest.newBuilder(base.resolve(path)), adminToken).GET(),
        JsonNode.class);
  }

  private JsonNode send(String method, String path, Object body) throws PublisherException {
    HttpRequest.Builder b = PublisherClient.auth(HttpRequest.newBuilder(base.resolve(path)), adminToken);
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json").method(method, PublisherClient.bodyOf(body));
    }
    return PublisherClient.call(http, b, JsonNode.class);
  }

  private static Map<String, Object> reason(String reason) {
    return reason == null ? null : Map.of("reason", reason);
  }

  private static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
