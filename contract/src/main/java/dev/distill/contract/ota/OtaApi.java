package dev.distill.contract.ota;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The JSON bodies and paths of the OTA HTTP API ({@code edge-publisher/openapi.yaml}), shared
 * by the publisher and the device agent. Readers ignore unknown fields, so a newer publisher
 * may add fields without breaking older devices.
 */
public final class OtaApi {
  private OtaApi() {}

  public static final String KEYS = "/v1/keys";
  public static final String DEVICE = "/v1/devices/{deviceId}";
  public static final String ASSIGNMENT = DEVICE + "/assignment";
  public static final String EVENTS = DEVICE + "/events";
  public static final String REPORTS = DEVICE + "/reports";
  public static final String ARTIFACT = "/v1/artifacts/{sha256}";
  public static final String DELTA = ARTIFACT + "/delta";
  /** The SSE event name of an assignment; its data is an {@link Assignment}, its id {@link Assignment#eventId}. */
  public static final String ASSIGNMENT_EVENT = "assignment";

  /**
   * Which version a device should run. {@code version == 0} means none yet (no manifest).
   *
   * @param eventId stable for the same assignment on every replica: a device reconnecting with
   *     it as {@code Last-Event-ID} is not sent the same assignment again
   * @param pollAfterSeconds when to ask again if no push channel is open
   * @param publishedAtMs when the publisher first saw this version (for latency figures; not signed)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Assignment(
      String deviceId,
      String model,
      long version,
      String sha256,
      long length,
      String rolloutId,
      boolean rollback,
      SignedManifest manifest,
      String artifactPath,
      long pollAfterSeconds,
      long publishedAtMs,
      String eventId) {}

  /**
   * What a device says about itself; {@code status} is a {@code distill.v1.DeviceReport.Status}
   * name.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Report(
      String model,
      long installedVersion,
      String status,
      String detail,
      long inferenceCount,
      double latencyP50Ms,
      double latencyP99Ms,
      long errorCount,
      Double accuracy,
      long labelledCount,
      String rolloutId,
      Long reportedAtMs) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RegisterDevice(String deviceId, String model, Map<String, String> labels) {}

  /** Returned once at registration: the publisher keeps only a hash of the token. */
  public record DeviceCredentials(String deviceId, String model, String token) {}

  /**
   * @param publicKey standard base64 of the raw 32-byte Ed25519 public key
   * @param role a {@link KeyRole} label, or {@code root}
   * @param certificate the root-signed {@link KeyCertificate}; absent for the root itself
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PublicKeyInfo(String keyId, String algorithm, String publicKey, String role, SignedDocument certificate) {}

  /**
   * What a device needs to trust keys: the root (pinned at provisioning; the simulator trusts it
   * on first use), the publisher's certified keys, and the newest revocation list, if any.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Keys(PublicKeyInfo root, List<PublicKeyInfo> keys, SignedDocument revocations) {}

  /** Every error answer: {@code code} is a stable key, {@code message} is for people. */
  public record ApiError(String code, String message) {}

  /** Fills the first {@code {placeholder}} of a path template (no regex: the value is taken literally). */
  public static String path(String template, String value) {
    int open = template.indexOf('{');
    int close = template.indexOf('}', open);
    if (open < 0 || close < 0) {
      throw new IllegalArgumentException("no placeholder in " + template);
    }
    return template.substring(0, open) + value + template.substring(close + 1);
  }
}
