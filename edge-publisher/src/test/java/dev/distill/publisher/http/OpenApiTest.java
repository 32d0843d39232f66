package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.distill.contract.ota.OtaApi;
import java.io.File;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * openapi.yaml is what device makers read: it must parse, and it must say what the server
 * enforces. The server refuses a report without one of its numbers (a missing number would be
 * taken for a null), so exactly those and {@code status} are required.
 */
class OpenApiTest {
  private final JsonNode spec = read();

  private static JsonNode read() {
    try {
      return new ObjectMapper(new YAMLFactory()).readTree(new File("openapi.yaml"));
    } catch (java.io.IOException e) {
      throw new AssertionError("openapi.yaml does not parse: " + e.getMessage(), e);
    }
  }

  @Test
  void theSpecParsesAndNamesEveryReportFieldItRequires() {
    assertThat(spec.get("openapi").asText()).startsWith("3.");
    JsonNode report = spec.get("components").get("schemas").get("Report");
    List<String> required = new ArrayList<>();
    report.get("required").forEach(n -> required.add(n.asText()));
    List<String> primitives = new ArrayList<>(List.of("status"));
    for (RecordComponent c : OtaApi.Report.class.getRecordComponents()) {
      if (c.getType().isPrimitive()) {
        primitives.add(c.getName());
      }
    }
    assertThat(required).containsExactlyInAnyOrderElementsOf(primitives);
    required.forEach(name -> assertThat(report.get("properties").has(name)).as(name).isTrue());
  }

  @Test
  void theGateSchemaNamesExactlyTheFiguresTheGateJudgesOn() {
    List<String> listed = new ArrayList<>();
    spec.get("components").get("schemas").get("Gate").get("properties").fieldNames().forEachRemaining(listed::add);
    assertThat(listed).containsExactlyInAnyOrderElementsOf(java.util.Arrays.stream(
        dev.distill.publisher.rollout.WaveStats.class.getRecordComponents()).map(RecordComponent::getName).toList());
  }

  @Test
  void theSpecListsEveryErrorCode() {
    List<String> listed = new ArrayList<>();
    spec.get("components").get("schemas").get("Error").get("properties").get("code").get("enum").forEach(n -> listed.add(n.asText()));
    assertThat(listed).containsExactlyInAnyOrderElementsOf(java.util.Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
  }

  @Test
  void everyOperationHasAUniqueIdAndEverySuccessWithABodyHasATypedContent() {
    List<String> ids = new ArrayList<>();
    List<String> untyped = new ArrayList<>();
    spec.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
      if (!List.of("get", "post", "put", "delete").contains(op.getKey())) {
        return;
      }
      String where = op.getKey().toUpperCase(java.util.Locale.ROOT) + " " + path.getKey();
      assertThat(op.getValue().path("operationId").asText()).as(where + " operationId").isNotBlank();
      ids.add(op.getValue().path("operationId").asText());
      op.getValue().path("responses").fields().forEachRemaining(r -> {
        boolean success = r.getKey().startsWith("2") && !r.getKey().equals("204");
        if (success && !r.getValue().has("$ref") && !r.getValue().has("content")) {
          untyped.add(where + " " + r.getKey());
        }
      });
    }));
    assertThat(ids).as("operation ids").doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo(20);
    assertThat(untyped).as("success responses without a typed body").isEmpty();
  }
}
