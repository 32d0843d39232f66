package dev.distill.platform.topics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/** The one place that creates topics: idempotent, so every service may call it at start-up. */
public final class TopicAdmin {
  private TopicAdmin() {}

  /**
   * Waits until every partition of the new topics answers at its leader. A broker announces a new
   * partition's leader a moment before that leader has created the partition; a producer that
   * writes in that moment gets NOT_LEADER_OR_FOLLOWER for its first batch while its next batches
   * land, after which the retried first batch is refused as out of order until it expires: the
   * first records of a fresh topic were lost that way. Listing offsets goes to the leader's
   * partition itself, and the admin client retries it until the partition is there. Right after
   * the creation the admin client's own metadata may not know the topic yet, and it then fails
   * the listing at once ("metadata for topic ... could not be found", seen in CI): that is retried
   * here until the same deadline.
   */
  private static void awaitWritable(Admin admin, List<NewTopic> topics)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
    for (NewTopic t : topics) {
      for (int p = 0; p < t.numPartitions(); p++) {
        partitions.put(new TopicPartition(t.name(), p), OffsetSpec.latest());
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        admin.listOffsets(partitions).all().get(60, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /**
   * Creates the topics that do not exist yet; existing ones are left as they are.
   *
   * @param replication replication factor (1 on the embedded broker, 3 on a real cluster)
   * @return the names that were created
   */
  public static List<String> ensure(Admin admin, Topics topics, short replication)
      throws InterruptedException {
    try {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (Topic<?, ?> t : topics.all()) {
        if (!existing.contains(t.name())) {
          missing.add(new NewTopic(t.name(), t.partitions(), replication).configs(t.configs()));
        }
      }
      if (missing.isEmpty()) {
        return List.of();
      }
      List<String> created = new ArrayList<>();
      var result = admin.createTopics(missing);
      for (var e : result.values().entrySet()) {
        try {
          e.getValue().get(30, TimeUnit.SECONDS);
          created.add(e.getKey());
        } catch (ExecutionException ex) {
          // another service created it between our list and create: that is fine
          if (!(ex.getCause() instanceof TopicExistsException)) {
            throw ex;
          }
        }
      }
      awaitWritable(admin, missing);
      return created;
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("cannot create topics: " + cause.getMessage(), cause);
    }
  }
}
