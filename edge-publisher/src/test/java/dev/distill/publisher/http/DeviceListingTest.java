package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.client.http.AdminClient;
import dev.distill.client.http.PublisherClient;
import dev.distill.client.http.PublisherException;
import dev.distill.contract.ota.OtaApi;
import dev.distill.publisher.PublisherService;
import dev.distill.publisher.TestPublishers;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /v1/admin/devices: every device once over the pages, the filters, and a 400 for a bad query. */
class DeviceListingTest {
  @TempDir Path dir;

  @Test
  void pagesWalkTheWholeFilteredFleetInIdOrderAndBadQueriesAre400() throws Exception {
    try (PublisherService publisher = PublisherService.startInMemory(TestPublishers.config(dir, Map.of()), Clock.systemUTC())) {
      AdminClient admin = TestPublishers.admin(publisher);
      PublisherClient devices = new PublisherClient(HttpClient.newHttpClient(), publisher.apiUri());
      Map<String, String> tokens = new HashMap<>();
      for (int i = 0; i < 25; i++) {
        String id = String.format("m-%02d", i);
        tokens.put(id, admin.register(id, "m").token());
      }
      admin.register("other-0", "n");
      // five devices of m report a failed verification; the rest of m never reported
      for (int i = 0; i < 5; i++) {
        String id = String.format("m-%02d", i);
        devices.report(id, tokens.get(id), new OtaApi.Report("m", 0, "VERIFY_FAILED", "bad signature", 0, 0, 0, 0,
            null, 0, "", null));
      }

      List<String> seen = new ArrayList<>();
      String after = null;
      int pages = 0;
      do {
        JsonNode page = admin.devices("m", null, null, false, after, 10);
        assertThat(page.get("matching").asInt()).as("counted over the whole filter").isEqualTo(25);
        page.get("devices").forEach(d -> seen.add(d.get("deviceId").asText()));
        after = page.get("next").isNull() ? null : page.get("next").asText();
        pages++;
      } while (after != null);
      assertThat(pages).isEqualTo(3);
      assertThat(seen).hasSize(25).doesNotHaveDuplicates().isSorted().allMatch(id -> id.startsWith("m-"));

      JsonNode failed = admin.devices(null, null, "verify_failed", false, null, 100);
      assertThat(failed.get("matching").asInt()).isEqualTo(5);
      failed.get("devices").forEach(d -> assertThat(d.get("status").asText()).isEqualTo("VERIFY_FAILED"));
      assertThat(admin.devices(null, null, "NEVER_REPORTED", false, null, 100).get("matching").asInt()).isEqualTo(21);
      assertThat(admin.devices("n", 0L, null, false, null, 100).get("devices").get(0).get("deviceId").asText())
          .isEqualTo("other-0");
      assertThat(admin.devices("m", null, null, true, null, 100).get("matching").asInt())
          .as("no version is published: nothing is assigned, nobody is behind").isZero();

      for (String bad : List.of("limit=0", "limit=x", "version=-1", "status=HAPPY", "behind=maybe")) {
        HttpClient http = HttpClient.newHttpClient();
        var response = http.send(java.net.http.HttpRequest.newBuilder(publisher.adminUri().resolve("/v1/admin/devices?" + bad))
            .header("Authorization", "Bearer " + TestPublishers.ADMIN).GET().build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(bad).isEqualTo(400);
        assertThat(response.body()).as(bad).contains("\"code\":\"INVALID_FIELD\"");
      }
      assertThatThrownBy(() -> new AdminClient(HttpClient.newHttpClient(), publisher.adminUri(), "not-a-token-at-all-0000")
          .devices(null, null, null, false, null, 10)).isInstanceOf(PublisherException.class);
    }
  }
}
