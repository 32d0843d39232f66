package dev.distill.deploy.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.deploy.manifests.Crds;
import dev.distill.deploy.manifests.DeployDir;
import dev.distill.deploy.manifests.Yaml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromtoolRulesTest {
  private static final Path TESTS = DeployDir.root().resolve("src/test/promtool/rules.test.yaml");

  @Test
  void everyAlertHasASeveritySummaryAndDescription() {
    assertThat(Promtool.alerts()).hasSizeGreaterThanOrEqualTo(8).allSatisfy(r -> {
      assertThat(r.labels()).as(r.alert()).containsKey("severity");
      assertThat(r.labels().get("severity")).as(r.alert()).isIn("critical", "warning", "info");
      assertThat(r.annotations()).as(r.alert()).containsKeys("summary", "description");
      assertThat(r.annotations().get("description").length()).as(r.alert()).isGreaterThan(40);
    });
    assertThat(Promtool.alerts()).extracting(Crds.Rule::alert).contains("DistillScoringLagHigh",
        "DistillDeadLetterRateHigh", "DistillTrainerStalled", "DistillNoNewStudentVersion", "DistillGateRejecting",
        "DistillDeviceFailureRateHigh", "DistillRolloutAborted");
  }

  @Test
  void promtoolAcceptsTheRules(@TempDir Path dir) throws Exception {
    Path promtool = Promtool.require("promtool");
    Promtool.writeRuleFile(dir);
    Promtool.Result r = Promtool.run(dir, null, promtool.toString(), "check", "rules", "distill.rules.yaml");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS: " + Promtool.alerts().size() + " rules found");
  }

  @Test
  void eachAlertHasAUnitTestWhereItFiresAndOneWhereItStaysQuiet() {
    Map<String, int[]> cases = new HashMap<>();
    for (JsonNode test : Yaml.documents(TESTS).get(0).get("tests")) {
      for (JsonNode t : test.get("alert_rule_test")) {
        int[] c = cases.computeIfAbsent(t.get("alertname").asText(), k -> new int[2]);
        c[t.get("exp_alerts").isEmpty() ? 1 : 0]++;
      }
    }
    for (Crds.Rule alert : Promtool.alerts()) {
      int[] c = cases.getOrDefault(alert.alert(), new int[2]);
      assertThat(c[0]).as(alert.alert() + " fires in a test").isPositive();
      assertThat(c[1]).as(alert.alert() + " stays quiet in a test").isPositive();
    }
    assertThat(cases.keySet()).as("tests of alerts that exist")
        .isSubsetOf(Promtool.alerts().stream().map(Crds.Rule::alert).collect(java.util.stream.Collectors.toSet()));
  }

  @Test
  void promtoolUnitTestsOfTheAlertsPass(@TempDir Path dir) throws Exception {
    Path promtool = Promtool.require("promtool");
    Promtool.writeRuleFile(dir);
    Files.copy(TESTS, dir.resolve("rules.test.yaml"));
    Promtool.Result r = Promtool.run(dir, null, promtool.toString(), "test", "rules", "rules.test.yaml");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void aBrokenExpectationFailsPromtoolsUnitTests(@TempDir Path dir) throws Exception {
    Path promtool = Promtool.require("promtool");
    Promtool.writeRuleFile(dir);
    // the same tests expecting the quiet cases to fire: promtool must notice
    String text = Files.readString(TESTS).replace("exp_alerts: []", "exp_alerts: [{exp_labels: {severity: warning}}]");
    assertThat(text).isNotEqualTo(Files.readString(TESTS));
    Files.writeString(dir.resolve("rules.test.yaml"), text);
    Promtool.Result r = Promtool.run(dir, null, promtool.toString(), "test", "rules", "rules.test.yaml");
    assertThat(r.exitCode()).as(r.output()).isNotZero();
    assertThat(r.output()).contains("FAILED");
  }

}
