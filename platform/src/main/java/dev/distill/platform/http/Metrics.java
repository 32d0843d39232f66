package dev.distill.platform.http;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The metrics registry of a service: Prometheus, with the JVM binders and a {@code service}
 * tag on every meter. Meter names are dot-case under {@code distill.<service>.}; Micrometer
 * renders them as Prometheus snake case.
 */
public final class Metrics {
  private Metrics() {}

  public static PrometheusMeterRegistry newRegistry(String serviceName) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags(Tags.of("service", serviceName));
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }

  /** Binds a Kafka client's own metrics; close the returned binder with the client. */
  public static AutoCloseable bind(PrometheusMeterRegistry registry, Object kafkaClient) {
    KafkaClientMetrics m;
    if (kafkaClient instanceof Producer<?, ?> p) {
      m = new KafkaClientMetrics(p);
    } else if (kafkaClient instanceof Consumer<?, ?> c) {
      m = new KafkaClientMetrics(c);
    } else if (kafkaClient instanceof AdminClient a) {
      m = new KafkaClientMetrics(a);
    } else {
      throw new IllegalArgumentException("not a Kafka client: " + kafkaClient);
    }
    m.bindTo(registry);
    return m;
  }
}
