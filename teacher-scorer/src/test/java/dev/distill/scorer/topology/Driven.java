package dev.distill.scorer.topology;

import dev.distill.contract.proto.SoftTarget;
import dev.distill.platform.topics.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/** The scorer topology's three topics in a TopologyTestDriver, configured as production runs it (exactly-once). */
record Driven(TopologyTestDriver driver, TestInputTopic<String, byte[]> in, TestOutputTopic<String, SoftTarget> out,
    TestOutputTopic<byte[], byte[]> dlq) {

  /** A driver of {@code topology} whose wall clock starts at {@code start}; close its {@link #driver}. */
  static Driven start(Topology topology, Topics topics, String applicationId, Path stateDir, Instant start) {
    TopologyTestDriver driver = new TopologyTestDriver(topology, config(applicationId, stateDir), start);
    return new Driven(driver,
        driver.createInputTopic(topics.samples().name(), new StringSerializer(), new ByteArraySerializer()),
        // validates every soft target against the contract
        driver.createOutputTopic(topics.softTargets().name(), new StringDeserializer(),
            topics.softTargets().valueSerde().deserializer()),
        driver.createOutputTopic(topics.samplesDlq().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer()));
  }

  private static Properties config(String applicationId, Path stateDir) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    return p;
  }

}
