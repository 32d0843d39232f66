package dev.distill.deploy.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {
  @Test
  void findsTheMetricsAndNothingElse() {
    assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le) (rate(distill_scorer_lag_seconds_bucket"
        + "{job=~\"$job\",le!=\"1e3\"}[$__rate_interval]))) > 1.5e2"))
        .containsExactly("distill_scorer_lag_seconds_bucket");
    assertThat(PromQl.metricNames("sum by (model) (rate(a_total[15m])) == 0 and on (model) max by (model) (b) > 0"))
        .containsExactly("a_total", "b");
    assertThat(PromQl.metricNames("label_values(process_uptime_seconds{job=~\"$job\"}, instance)"))
        .containsExactly("process_uptime_seconds");
    assertThat(PromQl.metricNames("x / scalar(sum(rate(y[1m])))")).containsExactly("x", "y");
  }
}
