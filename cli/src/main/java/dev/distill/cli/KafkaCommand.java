package dev.distill.cli;

import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "kafka", mixinStandardHelpOptions = true, description = "Run a real single-node Kafka broker (KRaft) here until Ctrl-C.")
final class KafkaCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "9092", description = "Client port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--controller-port", defaultValue = "9093",
      description = "KRaft controller port (default: ${DEFAULT-VALUE}).")
  int controllerPort;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Broker data; kept across restarts (default: $DISTILL_HOME/kafka).")
  Path dataDir;

  @Option(names = "--partitions", defaultValue = "4",
      description = "Partitions of the sample and soft-target topics (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX,
      description = "Topic name prefix (default: ${DEFAULT-VALUE}).")
  String prefix;

  @Override
  public Integer call() throws Exception {
    Path dir = dataDir != null ? dataDir : Paths.kafka();
    GracefulShutdown shutdown = GracefulShutdown.onSignal("kafka", Duration.ofSeconds(30));
    EmbeddedKafka broker = shutdown.register("broker",
        EmbeddedKafka.builder().dataDir(dir).port(port).controllerPort(controllerPort).build());
    System.out.println("starting Kafka (data in " + dir + ") ...");
    broker.start();
    List<String> created;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      created = TopicAdmin.ensure(admin, Topics.withPrefix(prefix, partitions), (short) 1);
    }
    System.out.println("Kafka is running: bootstrap servers " + broker.bootstrapServers());
    if (!created.isEmpty()) {
      System.out.println("created topics: " + String.join(", ", created));
    }
    System.out.println("Ctrl-C stops it; the data stays in " + dir + ".");
    shutdown.await();
    return 0;
  }
}
