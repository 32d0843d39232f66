package dev.distill.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReaderTest {

  @Test
  void threeWrongVariablesAreReportedTogetherInOneError() {
    ConfigReader r = ConfigReader.from(Map.of(
        "DISTILL_HTTP_PORT", "eighty",
        "DISTILL_TOPIC_PREFIX", "my topics!",
        "DISTILL_SHUTDOWN_TIMEOUT", "-5s"));
    KafkaSettings.read(r);
    ServiceSettings.read(r, "test", 8080);

    assertThatThrownBy(r::validate)
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.problems()).hasSize(3);
          assertThat(e.getMessage())
              .startsWith("invalid configuration (3 problems):")
              .contains("DISTILL_HTTP_PORT=eighty: expected an integer in [0, 65535]")
              .contains("DISTILL_TOPIC_PREFIX=my topics!: expected letters, digits")
              .contains("DISTILL_SHUTDOWN_TIMEOUT=-5s: expected a duration between 1s and 600s");
        });
  }

  @Test
  void defaultsApplyWhenNothingIsSet() {
    ConfigReader r = ConfigReader.from(Map.of());
    KafkaSettings k = KafkaSettings.read(r);
    ServiceSettings s = ServiceSettings.read(r, "svc", 8081);
    r.validate();
    assertThat(k.bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(k.topics().samples().name()).isEqualTo("distill.samples");
    assertThat(s.httpPort()).isEqualTo(8081);
    assertThat(s.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void kafkaVariablesPassThroughAndSecretsAreRedacted() {
    ConfigReader r = ConfigReader.from(Map.of(
        "DISTILL_BOOTSTRAP_SERVERS", "broker-1:9092,broker-2:9092",
        "KAFKA_MAX_POLL_RECORDS", "500",
        "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka...PlainLoginModule required password=\"hunter2\";"));
    KafkaSettings k = KafkaSettings.read(r);
    r.validate();
    assertThat(k.clientProperties())
        .containsEntry("bootstrap.servers", "broker-1:9092,broker-2:9092")
        .containsEntry("max.poll.records", "500")
        .containsKey("sasl.jaas.config");
    assertThat(k.toString()).contains("sasl.jaas.config=****").doesNotContain("hunter2");
    assertThat(r.effective()).containsEntry("KAFKA_SASL_JAAS_CONFIG", "****");
  }

  @Test
  void environmentOverridesTheConfigFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("distill.properties");
    Files.writeString(file, "DISTILL_HTTP_PORT=9100\nDISTILL_TOPIC_PREFIX=fromfile\n");
    ConfigReader r = ConfigReader.from(Map.of(
        ConfigReader.CONFIG_FILE, file.toString(), "DISTILL_HTTP_PORT", "9200"));
    ServiceSettings s = ServiceSettings.read(r, "svc", 8080);
    KafkaSettings k = KafkaSettings.read(r);
    r.validate();
    assertThat(s.httpPort()).isEqualTo(9200);
    assertThat(k.topicPrefix()).isEqualTo("fromfile");
  }

  @Test
  void anUnreadableConfigFileIsAProblem() {
    ConfigReader r = ConfigReader.from(Map.of(ConfigReader.CONFIG_FILE, "/no/such/file.properties"));
    assertThatThrownBy(r::validate).hasMessageContaining("DISTILL_CONFIG_FILE=/no/such/file.properties: cannot read");
  }

  @Test
  void durationsAcceptShortAndIsoForms() {
    assertThat(ConfigReader.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(ConfigReader.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(ConfigReader.parseDuration("PT30S")).isEqualTo(Duration.ofSeconds(30));
  }
}
