package dev.distill.publisher.kafka;

import dev.distill.contract.proto.RolloutCommand;
import dev.distill.contract.proto.RolloutCommandRecord;
import dev.distill.contract.proto.RolloutOutcome;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.publisher.rollout.RolloutCommands;
import dev.distill.publisher.state.StateLog.StateWriteException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The API side of operator commands on any replica: queue the command on the command topic,
 * then wait (bounded) for the controller's outcome, read back by the state reader, and for
 * this replica's view to hold the state it names, so the caller reads its own write here.
 */
public final class KafkaRolloutCommands implements RolloutCommands, AutoCloseable {
  private final RolloutCommandTopic topic;
  private final Duration timeout;
  private final KafkaProducer<String, byte[]> producer;
  private final Map<String, CompletableFuture<RolloutOutcome>> waiting = new ConcurrentHashMap<>();

  public KafkaRolloutCommands(KafkaSettings kafka, KafkaStateLog stateLog, Duration timeout) {
    this.topic = new RolloutCommandTopic(kafka);
    this.timeout = timeout;
    Map<String, Object> p = new HashMap<>(Map.of(
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.CLIENT_ID_CONFIG, "edge-publisher-commands"));
    p.putAll(kafka.clientProperties());
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    stateLog.onOutcome(o -> {
      CompletableFuture<RolloutOutcome> f = waiting.get(o.getCommandId());
      if (f != null) {
        f.complete(o);
      }
    });
  }

  @Override
  public RolloutOutcome submit(RolloutCommand command)
      throws StateWriteException, NoControllerException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    CompletableFuture<RolloutOutcome> answer = new CompletableFuture<>();
    waiting.put(command.getCommandId(), answer);
    try {
      try {
        producer.send(new ProducerRecord<>(topic.name(), command.getModelName(),
            RolloutCommandRecord.newBuilder().setCommand(command).build().toByteArray())).get(left(deadline), TimeUnit.NANOSECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new StateWriteException(topic.name() + ": " + (e.getCause() == null ? e : e.getCause()), e);
      }
      RolloutOutcome outcome;
      try {
        outcome = answer.get(left(deadline), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        throw new NoControllerException("no rollout controller answered command " + command.getCommandId() + " within "
            + timeout.toSeconds() + " s; it stays queued and will be applied when a controller runs");
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
      // the reader applied the outcome's state before handing it over: this replica's view holds it
      return outcome;
    } finally {
      waiting.remove(command.getCommandId());
    }
  }

  private static long left(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
