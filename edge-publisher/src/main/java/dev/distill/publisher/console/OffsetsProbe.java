package dev.distill.publisher.console;

import dev.distill.platform.config.KafkaSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One {@link Pipeline.Reading} from the cluster's metadata, with one admin client: the end offsets
 * of the watched topics and every consumer group's committed offsets on the data topics. Nothing
 * is consumed, so a poll costs a few small requests however large the topics are. Needs Describe
 * on the topics and on the groups.
 */
final class OffsetsProbe implements AutoCloseable {
  /** Groups looked at, at most: the page has room for a handful, and each costs a request. */
  static final int MAX_GROUPS = 64;
  private static final long TIMEOUT_MS = 10_000;

  private final Admin admin;
  private final List<String> topics;
  private final Set<String> dataTopics;
  private Map<String, Integer> partitions = Map.of();

  /**
   * @param topics the watched topics
   * @param dataTopics those whose consumer groups are shown
   */
  OffsetsProbe(KafkaSettings kafka, List<String> topics, Set<String> dataTopics, String clientId) {
    Map<String, Object> p = new HashMap<>(kafka.clientProperties());
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
    this.admin = Admin.create(p);
    this.topics = List.copyOf(topics);
    this.dataTopics = Set.copyOf(dataTopics);
  }

  Pipeline.Reading read(long atMs) throws Exception {
    if (partitions.size() < topics.size()) {
      // partition counts change rarely (and only up): asked again only until every topic answered
      Map<String, Integer> found = new HashMap<>();
      for (Map.Entry<String, TopicDescription> e : admin.describeTopics(topics).allTopicNames()
          .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).entrySet()) {
        found.put(e.getKey(), e.getValue().partitions().size());
      }
      partitions = found;
    }
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.forEach((topic, n) -> {
      for (int i = 0; i < n; i++) {
        latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
      }
    });
    Map<TopicPartition, Long> ends = new HashMap<>();
    admin.listOffsets(latest).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .forEach((tp, info) -> ends.put(tp, info.offset()));
    return new Pipeline.Reading(atMs, ends, committed(ends.keySet()));
  }

  /** Each consumer group's committed offsets on the data topics' partitions; groups with none are left out. */
  private Map<String, Map<TopicPartition, Long>> committed(Set<TopicPartition> known) throws Exception {
    List<TopicPartition> data = new ArrayList<>();
    for (TopicPartition tp : known) {
      if (dataTopics.contains(tp.topic())) {
        data.add(tp);
      }
    }
    Collection<GroupListing> groups = admin.listGroups(ListGroupsOptions.forConsumerGroups()).valid()
        .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    Map<String, ListConsumerGroupOffsetsSpec> specs = new TreeMap<>();
    for (GroupListing g : groups) {
      if (specs.size() < MAX_GROUPS) {
        specs.put(g.groupId(), new ListConsumerGroupOffsetsSpec().topicPartitions(data));
      }
    }
    Map<String, Map<TopicPartition, Long>> out = new TreeMap<>();
    if (specs.isEmpty() || data.isEmpty()) {
      return out;
    }
    Map<String, Map<TopicPartition, OffsetAndMetadata>> all =
        admin.listConsumerGroupOffsets(specs).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    all.forEach((group, offsets) -> {
      Map<TopicPartition, Long> mine = new HashMap<>();
      offsets.forEach((tp, om) -> {
        if (om != null) {
          mine.put(tp, om.offset());
        }
      });
      if (!mine.isEmpty()) {
        out.put(group, mine);
      }
    });
    return out;
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(5));
  }
}
