package dev.distill.client.http;

import dev.distill.contract.ota.OtaApi.DeviceCredentials;
import dev.distill.contract.ota.OtaApi.RegisterDevice;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;

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
}
