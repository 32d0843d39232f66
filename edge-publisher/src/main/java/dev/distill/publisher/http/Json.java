package dev.distill.publisher.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.distill.contract.ota.OtaApi;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/** JSON in and out of both APIs: bounded bodies, field checks that answer 400, {@code {code, message}} errors. */
public final class Json {
  static final String TYPE = "application/json";
  /** The request's body as read, for the audit record. */
  static final String BODY = "distill.body";
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .build();

  private final int maxBodyBytes;

  Json(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  <T> T read(Context ctx, Class<T> type) {
    JsonNode node = body(ctx, true);
    try {
      return MAPPER.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "body does not fit " + type.getSimpleName() + ": "
          + e.getOriginalMessage());
    }
  }

  JsonNode body(Context ctx, boolean required) {
    String type = ctx.header("Content-Type");
    if (type != null && !type.isBlank() && !type.toLowerCase().startsWith(TYPE)) {
      throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send JSON ('Content-Type: application/json'), not " + type);
    }
    byte[] bytes;
    try (InputStream in = ctx.req().getInputStream()) {
      // chunked bodies declare no length: read one byte past the limit to know
      bytes = in.readNBytes(maxBodyBytes + 1);
    } catch (IOException e) {
      throw new ApiException(ErrorCode.MALFORMED_JSON, "cannot read the body: " + e.getMessage());
    }
    if (bytes.length > maxBodyBytes) {
      throw new ApiException(ErrorCode.BODY_TOO_LARGE, "request body over " + maxBodyBytes + " bytes");
    }
    ctx.attribute(BODY, bytes);
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

  /** Refuses a body whose declared length is over the limit before any of it is read. */
  void checkDeclaredLength(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > maxBodyBytes) {
      throw new ApiException(ErrorCode.BODY_TOO_LARGE,
          "request body of " + declared + " bytes; at most " + maxBodyBytes + " accepted");
    }
  }

  static long requiredLong(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || !n.canConvertToLong() || !n.isIntegralNumber()) {
      throw new ApiException(ErrorCode.INVALID_FIELD, "'" + field + "' must be an integer");
    }
    return n.asLong();
  }

  static String optionalText(JsonNode body, String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() ? null : truncate(n.asText(), 500);
  }

  public static void ok(Context ctx, Object body) {
    ctx.contentType(TYPE).result(json(body));
  }

  static void error(Context ctx, ErrorCode code, String message) {
    ctx.status(code.status()).contentType(TYPE).result(json(new OtaApi.ApiError(code.name(), message)));
  }

  public static String json(Object body) {
    try {
      return MAPPER.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /** The {@code code} of an error answer this API wrote, or "" when the text is not one. */
  static String errorCode(String result) {
    if (result == null || result.isEmpty()) {
      return "";
    }
    try {
      return MAPPER.readTree(result).path("code").asText("");
    } catch (IOException e) {
      return "";
    }
  }

  static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
