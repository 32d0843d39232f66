package dev.distill.scorer.topology;

import dev.distill.contract.proto.SoftTarget;
import dev.distill.platform.topics.Topic;
import dev.distill.platform.topics.Topics;
import dev.distill.scorer.teacher.TeacherProvider;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The scorer's topology, built by a pure function so that the driver tests run exactly what
 * production runs:
 *
 * <pre>
 * samples (raw bytes) --&gt; score [batch-buffer store] --&gt; soft-targets
 *                                                   \--&gt; samples.dlq
 * </pre>
 */
public final class ScorerTopology {
  public static final String SOURCE = "samples";
  public static final String PROCESSOR = "score";
  public static final String SOFT_TARGETS = "soft-targets";
  public static final String DEAD_LETTERS = "dead-letters";
  /** Its changelog topic is {@code <application id>-batch-buffer-changelog}. */
  public static final String BUFFER_STORE = "batch-buffer";

  private ScorerTopology() {}

  /** Scores every batch on the stream thread itself: what a {@code TopologyTestDriver} test steps through. */
  public static Topology build(
      Topics topics, ScoringOptions options, TeacherProvider teachers, ScoringMetrics metrics, Clock clock) {
    return build(topics, options, teachers, metrics, clock, Runnable::run);
  }

  /**
   * @param inference where batches are scored; the service gives its inference threads, so the
   *     stream thread reads and writes Kafka while the teacher runs (the outputs are still
   *     forwarded on the stream thread, inside its transaction)
   */
  public static Topology build(Topics topics, ScoringOptions options, TeacherProvider teachers, ScoringMetrics metrics,
      Clock clock, Executor inference) {
    Topic<String, SoftTarget> softTargets = topics.softTargets();
    Topology t = new Topology();
    // bytes in: decoding happens in the processor, so a bad record becomes a dead letter in the
    // same transaction instead of an error in the deserializer
    t.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.samples().name());
    t.addProcessor(PROCESSOR, () -> new ScoringProcessor(options, teachers, metrics, clock, inference), SOURCE);
    // caching: only what is pending at a commit reaches the changelog (see package-info)
    t.addStateStore(
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BUFFER_STORE), Serdes.Long(), Serdes.ByteArray())
            .withCachingEnabled()
            .withLoggingEnabled(Map.of()),
        PROCESSOR);
    t.addSink(SOFT_TARGETS, softTargets.name(), softTargets.keySerde().serializer(),
        softTargets.valueSerde().serializer(), PROCESSOR);
    // the original key bytes, whatever they are, not the catalog's string serde
    t.addSink(DEAD_LETTERS, topics.samplesDlq().name(), new ByteArraySerializer(), new ByteArraySerializer(), PROCESSOR);
    return t;
  }
}
