package dev.distill.scorer.testing;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.wire.Tensors;
import java.io.IOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends MNIST test images (and any raw records) to a samples topic, in ranges, so a test can
 * send part of the stream, do something to the scorer, and send the rest. Sample {@code i} has
 * the id {@code <prefix>-<i>} (five digits) and image {@code i % 10,000}.
 */
public final class MnistStream implements AutoCloseable {
  private final LabelledImages images;
  private final String topic;
  private final String prefix;
  private final KafkaProducer<String, byte[]> producer;

  public MnistStream(String bootstrap, String topic, String prefix) throws IOException {
    Datasets.ensureAvailable(Dataset.MNIST);
    this.images = Datasets.load(Dataset.MNIST, Split.TEST);
    this.topic = topic;
    this.prefix = prefix;
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    // one request in flight: right after a topic is created the first batch can bounce
    // (NOT_LEADER_OR_FOLLOWER) while a later one lands, and the idempotent producer then retries
    // the first into OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout (KAFKA-14359)
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  public String id(int i) {
    return prefix + "-" + String.format(Locale.ROOT, "%05d", i);
  }

  public Sample sample(int i) {
    int image = i % images.count();
    return Sample.newBuilder()
        .setId(id(i))
        .setEventTimeMs(System.currentTimeMillis())
        .setSource("mnist/test")
        .setLabel(images.label(image))
        .setFeatures(Tensors.uint8(images.image(image), images.rows(), images.cols()))
        .build();
  }

  /** The features of sample {@code i} as the model sees them. */
  public float[] features(int i) {
    return Tensors.toFloats(sample(i).getFeatures());
  }

  /** Sends samples {@code [from, to)}, at most {@code perSecond} a second (0: no limit). */
  public void send(int from, int to, double perSecond) throws InterruptedException {
    AtomicReference<Exception> failure = new AtomicReference<>();
    long start = System.nanoTime();
    for (int i = from; i < to; i++) {
      if (perSecond > 0) {
        long due = start + (long) ((i - from) * 1e9 / perSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      Sample s = sample(i);
      producer.send(new ProducerRecord<>(topic, s.getId(), s.toByteArray()), (md, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
      });
    }
    producer.flush();
    if (failure.get() != null) {
      throw new IllegalStateException("the broker refused a sample", failure.get());
    }
  }

  /** Sends one raw record, e.g. a malformed one. */
  public void sendRaw(String key, byte[] value, Headers headers) throws InterruptedException {
    try {
      producer.send(new ProducerRecord<>(topic, null, key, value, headers)).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot send " + key, e);
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
