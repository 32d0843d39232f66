package dev.distill.deploy.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.deploy.manifests.Crds;
import dev.distill.deploy.manifests.DeployDir;
import dev.distill.deploy.pipeline.RunningPipeline;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three real services, fed until every stage has worked (see {@link RunningPipeline}), under
 * the monitoring of deploy/: promtool lints their real /metrics, every metric the alerts and the
 * dashboard read is one they expose, and a real Prometheus server scrapes them and answers the
 * dashboard's queries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitoringIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private RunningPipeline pipeline;
  private final Map<String, String> scrapes = new TreeMap<>();

  @BeforeAll
  void startThePipeline() throws Exception {
    Promtool.require("promtool");
    pipeline = RunningPipeline.start(dir);
    pipeline.opsPorts().forEach((job, port) -> scrapes.put(job, pipeline.metricsText(port)));
  }

  @AfterAll
  void stop() {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  /**
   * promtool parses each output; its lint findings may name only metrics of third-party binders
   * (Micrometer's JVM, process and Kafka client meters, whose names those libraries fix), never a
   * distill_* metric.
   */
  @Test
  void promtoolCheckMetricsPassesOnEachServicesRealMetrics() throws Exception {
    Path promtool = Promtool.require("promtool");
    for (var e : scrapes.entrySet()) {
      assertThat(e.getValue()).as(e.getKey()).contains("distill_");
      Promtool.Result r = Promtool.run(dir, e.getValue(), promtool.toString(), "check", "metrics");
      assertThat(r.exitCode()).as(e.getKey() + ": 0 clean, 3 lint findings, 1 unparsable\n" + r.output()).isIn(0, 3);
      assertThat(r.output()).as(e.getKey()).doesNotContain("error while linting");
      assertThat(r.output().lines().filter(l -> l.startsWith("distill_")).toList())
          .as(e.getKey() + ": lint findings on distill metrics").isEmpty();
      System.out.printf("MonitoringIT: %s /metrics: %d lines, promtool exit %d, %d third-party lint findings%n",
          e.getKey(), e.getValue().lines().count(), r.exitCode(), r.output().lines().count());
    }
  }

  @Test
  void everyMetricTheAlertsAndTheDashboardReadIsExposedByAService() throws IOException {
    Set<String> exposed = new HashSet<>();
    scrapes.values().forEach(text -> text.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
        .map(l -> l.split("[{ ]", 2)[0]).forEach(exposed::add));
    Map<String, Set<String>> used = new LinkedHashMap<>();
    for (Crds.Rule r : Promtool.alerts()) {
      used.put("alert " + r.alert(), PromQl.metricNames(r.expr()));
    }
    JsonNode dashboard = dashboard();
    for (JsonNode v : dashboard.at("/templating/list")) {
      if (v.path("type").asText().equals("query")) {
        used.put("variable " + v.get("name").asText(), PromQl.metricNames(v.at("/query/query").asText()));
      }
    }
    for (var t : dashboardTargets(dashboard).entrySet()) {
      used.put(t.getKey(), PromQl.metricNames(t.getValue()));
    }
    Map<String, Set<String>> dangling = new TreeMap<>();
    used.forEach((where, names) -> {
      assertThat(names).as(where + " reads a metric").isNotEmpty();
      Set<String> missing = new TreeSet<>(names);
      missing.removeAll(exposed);
      if (!missing.isEmpty()) {
        dangling.put(where, missing);
      }
    });
    assertThat(dangling).as("metrics no service exposes").isEmpty();
  }

  @Test
  void aRealPrometheusScrapesTheServicesAndAnswersTheDashboardsQueries() throws Exception {
    Path prometheus = Promtool.require("prometheus");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        + "rule_files: [" + Promtool.writeRuleFile(dir) + "]\nscrape_configs:\n");
    // job names as the PodMonitors' jobLabel gives them in a cluster
    pipeline.opsPorts().forEach((job, p) -> config.append("  - job_name: ").append(job)
        .append("\n    static_configs: [{targets: ['127.0.0.1:").append(p).append("']}]\n"));
    Path configFile = Files.writeString(dir.resolve("prometheus.yml"), config);
    Process server = new ProcessBuilder(prometheus.toString(), "--config.file=" + configFile,
        "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      URI base = URI.create("http://127.0.0.1:" + port);
      pipeline.await("prometheus ready", () -> status(http, base.resolve("/-/ready")) == 200);
      // two scrapes of each job at least, so that rate() has two points
      pipeline.await("every job scraped twice", () ->
          query(http, base, "count_over_time(up[1m]) >= 3").size() == 3);

      JsonNode up = query(http, base, "up");
      assertThat(up).hasSize(3);
      assertThat(up).allSatisfy(s -> assertThat(s.at("/value/1").asText()).as(s.toString()).isEqualTo("1"));

      double softTargets = value(query(http, base, "sum(distill_scorer_soft_targets_records_total{job=\"teacher-scorer\"})"));
      double samplesIn = value(query(http, base, "sum(distill_scorer_records_in_records_total{job=\"teacher-scorer\"})"));
      double dead = value(query(http, base, "sum(distill_scorer_dead_letters_records_total{job=\"teacher-scorer\"})"));
      assertThat(softTargets).isPositive();
      assertThat(dead).as("the garbage records").isPositive();
      assertThat(samplesIn).isGreaterThanOrEqualTo(softTargets + dead);
      assertThat(value(query(http, base, "sum(distill_trainer_samples_total{job=\"student-trainer\"})"))).isPositive();
      assertThat(value(query(http, base,
          "sum(distill_trainer_versions_published_total{job=\"student-trainer\",model=\"" + RunningPipeline.MODEL + "\"})")))
          .isGreaterThanOrEqualTo(1);
      assertThat(value(query(http, base,
          "sum(distill_publisher_rollout_state{job=\"edge-publisher\",model=\"" + RunningPipeline.MODEL + "\"})")))
          .as("one current rollout state").isEqualTo(1);
      assertThat(value(query(http, base,
          "sum(distill_publisher_reports_failed_total{job=\"edge-publisher\",status=\"health_check_failed\"})")))
          .isEqualTo(1);

      // every panel of the dashboard has data
      Map<String, String> empty = new TreeMap<>();
      for (var t : dashboardTargets(dashboard()).entrySet()) {
        String q = t.getValue().replace("$__rate_interval", "1m").replace("$__range", "5m")
            .replace("$job", ".*").replace("$instance", ".*").replace("$model", ".*");
        if (query(http, base, q).isEmpty()) {
          empty.put(t.getKey(), q);
        }
      }
      assertThat(empty).as("dashboard queries without data").isEmpty();

      // the PrometheusRule's groups load into the real server and evaluate without error
      JsonNode rules = get(http, base.resolve("/api/v1/rules")).at("/data/groups/0/rules");
      assertThat(rules).hasSize(Promtool.alerts().size());
      assertThat(rules).allSatisfy(r -> assertThat(r.path("health").asText()).as(r.path("name").asText()).isEqualTo("ok"));
    } finally {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static JsonNode dashboard() throws IOException {
    return JSON.readTree(DeployDir.root().resolve("base/monitoring/distill-pipeline.json").toFile());
  }

  private static Map<String, String> dashboardTargets(JsonNode dashboard) {
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode p : dashboard.get("panels")) {
      for (JsonNode t : p.path("targets")) {
        out.put("panel '" + p.get("title").asText() + "' " + t.get("refId").asText(), t.get("expr").asText());
      }
    }
    return out;
  }

  private static int status(HttpClient http, URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static JsonNode get(HttpClient http, URI uri) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode body = JSON.readTree(r.body());
      if (r.statusCode() != 200 || !body.path("status").asText().equals("success")) {
        throw new AssertionError(uri + ": " + r.statusCode() + " " + r.body());
      }
      return body;
    } catch (IOException e) {
      throw new AssertionError(uri + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** An instant query's result vector. */
  private static JsonNode query(HttpClient http, URI base, String promql) {
    return get(http, base.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
        .at("/data/result");
  }

  private static double value(JsonNode vector) {
    assertThat(vector).hasSize(1);
    return Double.parseDouble(vector.get(0).at("/value/1").asText());
  }

}
