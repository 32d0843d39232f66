package dev.distill.cli;

import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where a client command finds Kafka: flags first, then the DISTILL_* environment. */
final class KafkaOptions {
  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers (default: $DISTILL_BOOTSTRAP_SERVERS or localhost:9092).")
  String bootstrapServers;

  @Option(names = "--topic-prefix", paramLabel = "PREFIX",
      description = "Topic name prefix (default: $DISTILL_TOPIC_PREFIX or distill).")
  String topicPrefix;

  KafkaSettings settings() {
    Map<String, String> env = new HashMap<>(System.getenv());
    if (bootstrapServers != null) {
      env.put(KafkaSettings.BOOTSTRAP, bootstrapServers);
    }
    if (topicPrefix != null) {
      env.put(KafkaSettings.TOPIC_PREFIX, topicPrefix);
    }
    ConfigReader r = ConfigReader.from(env);
    KafkaSettings k = KafkaSettings.read(r);
    r.validate();
    return k;
  }
}
