package dev.distill.platform.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

class TopicFollowerTest {
  private static final Topic<String, Integer> TOPIC = new Topic<>("t", Serdes.String(), Serdes.Integer(), 1, Map.of());
  private static final TopicPartition TP = new TopicPartition("t", 0);

  private static MockConsumer<byte[], byte[]> consumerWithEndOffset(long end) {
    MockConsumer<byte[], byte[]> c = new MockConsumer<>("earliest");
    c.updatePartitions("t", List.of(new PartitionInfo("t", 0, null, null, null)));
    c.updateBeginningOffsets(Map.of(TP, 0L));
    c.updateEndOffsets(Map.of(TP, end));
    return c;
  }

  private static ConsumerRecord<byte[], byte[]> record(long offset, String key, byte[] value) {
    return new ConsumerRecord<>("t", 0, offset, key.getBytes(StandardCharsets.UTF_8), value);
  }

  private static byte[] integer(int v) {
    return new IntegerSerializer().serialize("t", v);
  }

  @Test
  void readsFromTheBeginningSkipsWhatDoesNotDecodeCatchesUpAndKeepsFollowing() throws Exception {
    MockConsumer<byte[], byte[]> c = consumerWithEndOffset(3);
    c.schedulePollTask(() -> {
      c.addRecord(record(0, "a", integer(1)));
      c.addRecord(record(1, "bad", "not an int".getBytes(StandardCharsets.UTF_8)));
      c.addRecord(record(2, "gone", null));
    });
    c.schedulePollTask(() -> c.addRecord(record(3, "later", integer(4))));
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<List<String>> atCatchUp = new CompletableFuture<>();

    TopicFollower<String, Integer> f = new TopicFollower<>(TOPIC, c, "follower-test", new TopicFollower.Handler<>() {
      @Override
      public void record(String key, Integer value, long offset) {
        seen.add(key + "=" + value + "@" + offset);
      }

      @Override
      public void caughtUp() {
        atCatchUp.complete(List.copyOf(seen));
      }
    }).start();
    try {
      assertThat(f.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
      assertThat(atCatchUp.get(1, TimeUnit.SECONDS)).containsExactly("a=1@0", "gone=null@2");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (seen.size() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(seen).containsExactly("a=1@0", "gone=null@2", "later=4@3");
      assertThat(f.alive()).isTrue();
      assertThat(f.failure()).isEmpty();
    } finally {
      f.close();
    }
    assertThat(c.closed()).isTrue();
    assertThat(f.failure()).as("a close is no failure").isEmpty();
  }

  @Test
  void aHandlerThatThrowsStopsTheFollowerAndSaysWhy() throws Exception {
    MockConsumer<byte[], byte[]> c = consumerWithEndOffset(1);
    c.schedulePollTask(() -> c.addRecord(record(0, "a", integer(1))));
    CompletableFuture<Throwable> failed = new CompletableFuture<>();

    TopicFollower<String, Integer> f = new TopicFollower<>(TOPIC, c, "follower-test", new TopicFollower.Handler<>() {
      @Override
      public void record(String key, Integer value, long offset) {
        throw new IllegalStateException("disk full");
      }

      @Override
      public void failed(Throwable cause) {
        failed.complete(cause);
      }
    }).start();
    try {
      assertThat(f.awaitCaughtUp(Duration.ofSeconds(10))).as("it stopped before catching up").isFalse();
      assertThat(failed.get(10, TimeUnit.SECONDS)).hasMessage("disk full");
      assertThat(f.failure()).containsSame(failed.get());
      assertThat(f.alive()).isFalse();
    } finally {
      f.close();
    }
  }
}
