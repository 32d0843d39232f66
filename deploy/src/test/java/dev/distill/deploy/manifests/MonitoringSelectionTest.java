package dev.distill.deploy.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A kube-prometheus-stack install finds distill's monitoring as it is: its Prometheus selects
 * PodMonitors and PrometheusRules by the {@code release} label, its Grafana sidecar loads
 * ConfigMaps labelled {@code grafana_dashboard}.
 */
class MonitoringSelectionTest {
  static List<String> overlays() {
    return Rendered.OVERLAYS;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overlays")
  void prometheusAndGrafanaOfKubePrometheusStackSelectEveryMonitoringResource(String overlay) {
    Rendered r = Rendered.overlay(overlay);
    List<Crds.PodMonitor> monitors = r.all("PodMonitor", Crds.PodMonitor.class);
    assertThat(monitors).extracting(m -> m.metadata().name())
        .containsExactlyInAnyOrder("teacher-scorer", "student-trainer", "edge-publisher");
    monitors.forEach(m -> assertThat(m.metadata().labels()).as(m.metadata().name())
        .containsEntry("release", "kube-prometheus-stack"));
    List<Crds.PrometheusRule> rules = r.all("PrometheusRule", Crds.PrometheusRule.class);
    assertThat(rules).isNotEmpty().allSatisfy(rule -> assertThat(rule.metadata().labels())
        .containsEntry("release", "kube-prometheus-stack"));
    ConfigMap dashboard = r.one("ConfigMap", "distill-grafana-dashboard", ConfigMap.class);
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(dashboard.getData()).containsKey("distill-pipeline.json");
  }
}
