package dev.distill.cli;

import dev.distill.platform.config.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "topics", mixinStandardHelpOptions = true, description = "List the system's topics with their offsets, or count a topic's records.")
final class TopicsCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;

  @Option(names = "--count", paramLabel = "TOPIC",
      description = "Read TOPIC from the start (read_committed) and count its records and distinct keys.")
  String countTopic;

  @Override
  public Integer call() throws Exception {
    KafkaSettings settings = kafka.settings();
    if (countTopic != null) {
      return count(settings, countTopic);
    }
    try (Admin admin = Admin.create(settings.clientProperties())) {
      Set<String> names = new java.util.TreeSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS));
      names.removeIf(n -> !n.startsWith(settings.topicPrefix() + "."));
      if (names.isEmpty()) {
        System.out.println("no topics with prefix '" + settings.topicPrefix() + ".' at " + settings.bootstrapServers());
        return 0;
      }
      Map<String, TopicDescription> desc = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      try (KafkaConsumer<byte[], byte[]> c = consumer(settings)) {
        System.out.printf(Locale.ROOT, "%-32s %10s %14s%n", "topic", "partitions", "offsets");
        for (String n : names) {
          List<TopicPartition> tps = new ArrayList<>();
          desc.get(n).partitions().forEach(p -> tps.add(new TopicPartition(n, p.partition())));
          long span = span(c, tps);
          System.out.printf(Locale.ROOT, "%-32s %10d %,14d%n", n, tps.size(), span);
        }
      }
      System.out.println("(offsets = end - start offsets; transaction markers take offsets too: use --count TOPIC for records)");
    }
    return 0;
  }

  private static long span(KafkaConsumer<?, ?> c, List<TopicPartition> tps) {
    Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(30));
    Map<TopicPartition, Long> begin = c.beginningOffsets(tps, Duration.ofSeconds(30));
    long s = 0;
    for (TopicPartition tp : tps) {
      s += end.get(tp) - begin.get(tp);
    }
    return s;
  }

  private static int count(KafkaSettings settings, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(settings)) {
      List<TopicPartition> tps = new ArrayList<>();
      var parts = c.partitionsFor(topic, Duration.ofSeconds(30));
      if (parts == null || parts.isEmpty()) {
        throw new UserError("topic " + topic + " does not exist at " + settings.bootstrapServers());
      }
      parts.forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(30));
      long records = 0;
      Set<String> keys = new HashSet<>();
      Map<Integer, Long> perPartition = new TreeMap<>();
      while (!reached(c, end)) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          records++;
          perPartition.merge(r.partition(), 1L, Long::sum);
          if (r.key() != null) {
            keys.add(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8));
          }
        }
      }
      System.out.printf(Locale.ROOT, "%s: %,d records, %,d distinct keys; per partition %s%n",
          topic, records, keys.size(), perPartition);
      return 0;
    }
  }

  private static boolean reached(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
    for (var e : end.entrySet()) {
      if (c.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static KafkaConsumer<byte[], byte[]> consumer(KafkaSettings settings) {
    Map<String, Object> p = new java.util.HashMap<>(settings.clientProperties());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "distill-topics");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
