package dev.distill.publisher.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.contract.proto.DeviceReport;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class PublisherMetricsTest {
  @Test
  void failedReportsAreCountedByStatusAndExistAsZerosBeforeTheFirstFailure() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PublisherMetrics metrics = new PublisherMetrics(registry);
    assertThat(registry.scrape())
        .contains("distill_publisher_reports_failed_total{status=\"download_failed\"} 0.0")
        .contains("distill_publisher_reports_failed_total{status=\"rolled_back\"} 0.0");

    metrics.report(DeviceReport.Status.RUNNING);
    metrics.report(DeviceReport.Status.HEALTH_CHECK_FAILED);
    metrics.report(DeviceReport.Status.HEALTH_CHECK_FAILED);
    metrics.report(DeviceReport.Status.VERIFY_FAILED);

    String scrape = registry.scrape();
    assertThat(scrape)
        .contains("distill_publisher_reports_total 4.0")
        .contains("distill_publisher_reports_failed_total{status=\"health_check_failed\"} 2.0")
        .contains("distill_publisher_reports_failed_total{status=\"verify_failed\"} 1.0")
        .contains("distill_publisher_reports_failed_total{status=\"download_failed\"} 0.0")
        .doesNotContain("status=\"running\"");
  }
}
