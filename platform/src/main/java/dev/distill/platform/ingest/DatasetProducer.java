package dev.distill.platform.ingest;

import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.proto.Sample;
import dev.distill.contract.wire.Tensors;
import dev.distill.platform.topics.Topic;
import java.time.Clock;
import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Streams a labelled image data set into the samples topic, as {@code distill produce} and the
 * demo do: in a seeded shuffled order, optionally rate-limited, keeping the hard label on only
 * a seeded fraction of the samples (label-budget experiments).
 *
 * <p>Sample ids are {@code <dataset>-<split>-<index>} with the index into the original split,
 * so the same image has the same id whatever the order or the run (or the pass, when
 * {@linkplain Options#cycling() cycling}).
 */
public final class DatasetProducer {

  /**
   * @param limit at most this many samples (0 = the whole split)
   * @param ratePerSecond 0 = as fast as the producer goes
   * @param shuffleSeed null = the split's own order
   * @param labelFraction fraction of samples that keep their hard label, in [0, 1]
   * @param cycle past the split's end, start its order again until {@code limit} are sent (a
   *     limit above the split's size is otherwise cut to it)
   */
  public record Options(long limit, double ratePerSecond, Long shuffleSeed, double labelFraction, boolean cycle) {
    public Options {
      if (limit < 0) {
        throw new IllegalArgumentException("limit must be >= 0");
      }
      if (cycle && limit == 0) {
        throw new IllegalArgumentException("cycling needs a limit, or it never ends");
      }
      if (ratePerSecond < 0) {
        throw new IllegalArgumentException("rate must be >= 0");
      }
      if (!(labelFraction >= 0 && labelFraction <= 1)) {
        throw new IllegalArgumentException("label fraction must be in [0, 1], got " + labelFraction);
      }
    }

    /** Once through the split at most: {@code limit} is cut to the split's size. */
    public Options(long limit, double ratePerSecond, Long shuffleSeed, double labelFraction) {
      this(limit, ratePerSecond, shuffleSeed, labelFraction, false);
    }

    public static Options all() {
      return new Options(0, 0, null, 1.0);
    }

    /** The same, going round the split as often as it takes to send {@code limit} samples. */
    public Options cycling() {
      return new Options(limit, ratePerSecond, shuffleSeed, labelFraction, true);
    }
  }

  /** What was sent; {@code labelled} counts the samples that kept their hard label. */
  public record Summary(long sent, long labelled, long elapsedMillis) {
    public double ratePerSecond() {
      return elapsedMillis == 0 ? sent : sent * 1000.0 / elapsedMillis;
    }
  }

  private final Producer<String, Sample> producer;
  private final Topic<String, Sample> topic;
  private final Clock clock;

  public DatasetProducer(Producer<String, Sample> producer, Topic<String, Sample> topic, Clock clock) {
    this.producer = producer;
    this.topic = topic;
    this.clock = clock;
  }

  /** The order in which the split's indices are sent. */
  public static int[] order(int count, Long shuffleSeed) {
    int[] idx = new int[count];
    Arrays.setAll(idx, i -> i);
    if (shuffleSeed != null) {
      Random rnd = new Random(shuffleSeed);
      for (int i = count - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
    }
    return idx;
  }

  /** The id the sample of {@code index} is sent under, e.g. {@code mnist-train-00042}. */
  public static String sampleId(LabelledImages data, int index) {
    int width = Integer.toString(data.count() - 1).length();
    return data.dataset() + "-" + data.split() + "-" + String.format("%0" + width + "d", index);
  }

  /**
   * Sends the samples and waits until every one is acknowledged.
   *
   * @param progress called with the count acknowledged so far, from the sending thread
   * @throws IllegalStateException if the broker refused a record (after the producer's retries)
   */
  public Summary send(LabelledImages data, Options options, LongConsumer progress)
      throws InterruptedException {
    int[] order = order(data.count(), options.shuffleSeed());
    long n = options.cycle() && order.length > 0 ? options.limit()
        : options.limit() == 0 ? order.length : Math.min(options.limit(), order.length);
    // the label draw must not depend on the shuffle, so it has its own stream
    SplittableRandom labelDraw =
        new SplittableRandom(options.shuffleSeed() == null ? 0x5eed : options.shuffleSeed() ^ 0x1abe1L);
    AtomicLong acked = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    long start = clock.millis();
    long labelled = 0;
    for (long i = 0; i < n; i++) {
      if (failure.get() != null) {
        break;
      }
      pace(start, i, options.ratePerSecond());
      int index = order[(int) (i % order.length)];
      Sample.Builder s = Sample.newBuilder()
          .setId(sampleId(data, index))
          .setEventTimeMs(clock.millis())
          .setSource(data.dataset() + "/" + data.split())
          .setFeatures(Tensors.uint8(data.image(index), data.rows(), data.cols()));
      if (labelDraw.nextDouble() < options.labelFraction()) {
        s.setLabel(data.label(index));
        labelled++;
      }
      Sample sample = s.build();
      producer.send(new ProducerRecord<>(topic.name(), sample.getId(), sample), (md, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        } else {
          acked.incrementAndGet();
        }
      });
      if ((i & 255) == 0) {
        progress.accept(acked.get());
      }
    }
    producer.flush();
    progress.accept(acked.get());
    if (failure.get() != null) {
      throw new IllegalStateException(
          "the broker refused a sample after " + acked.get() + " were sent: " + failure.get().getMessage(),
          failure.get());
    }
    return new Summary(acked.get(), labelled, clock.millis() - start);
  }

  private void pace(long start, long i, double rate) throws InterruptedException {
    if (rate <= 0) {
      return;
    }
    long due = start + (long) (i * 1000.0 / rate);
    long wait = due - clock.millis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }
}
