package dev.distill.kafka;

import static dev.distill.kafka.KafkaTestClients.WAIT;
import static dev.distill.kafka.KafkaTestClients.consumer;
import static dev.distill.kafka.KafkaTestClients.createTopic;
import static dev.distill.kafka.KafkaTestClients.idempotentProducer;
import static dev.distill.kafka.KafkaTestClients.pollUntil;
import static dev.distill.kafka.KafkaTestClients.transactionalProducer;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One in-process broker shared by the tests of this class: starting one costs seconds on this box. */
class EmbeddedKafkaTest {

    @TempDir
    static Path dataDir;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder().dataDir(dataDir).build().start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void idempotentProducerRecordsAreAllConsumedBackInOrderPerPartition() throws Exception {
        String topic = "records";
        createTopic(kafka.bootstrapServers(), topic, 3);

        try (KafkaProducer<String, String> producer = idempotentProducer(kafka.bootstrapServers())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                acks.add(producer.send(new ProducerRecord<>(topic, "key-" + (i % 7), Integer.toString(i))));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        }

        List<ConsumerRecord<String, String>> received;
        try (KafkaConsumer<String, String> consumer = consumer(kafka.bootstrapServers(), "readers", "read_uncommitted")) {
            consumer.subscribe(List.of(topic));
            received = pollUntil(consumer, records -> records.size() >= 100);
        }

        assertThat(received).hasSize(100);
        assertThat(received).map(r -> Integer.parseInt(r.value()))
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 100).boxed().toList());
        Map<Integer, List<Integer>> valuesByPartition = received.stream().collect(Collectors.groupingBy(
                ConsumerRecord::partition, TreeMap::new,
                Collectors.mapping(r -> Integer.parseInt(r.value()), Collectors.toList())));
        assertThat(valuesByPartition).isNotEmpty();
        valuesByPartition.values().forEach(values -> assertThat(values).isSorted());
    }

    @Test
    void readCommittedConsumerSeesCommittedTransactionsButNotAbortedOnes() throws Exception {
        String topic = "transactional";
        createTopic(kafka.bootstrapServers(), topic, 1);

        try (KafkaProducer<String, String> producer = transactionalProducer(kafka.bootstrapServers(), "tx-test")) {
            producer.initTransactions();

            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, "committed-" + i));
            }
            producer.commitTransaction();

            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "last"));
            producer.commitTransaction();
        }

        List<String> values;
        try (KafkaConsumer<String, String> consumer = consumer(kafka.bootstrapServers(), "tx-readers", "read_committed")) {
            consumer.subscribe(List.of(topic));
            // One partition: anything aborted would be delivered before "last".
            values = pollUntil(consumer, records -> records.stream().anyMatch(r -> r.value().equals("last")))
                    .stream().map(ConsumerRecord::value).toList();
        }

        assertThat(values).containsExactly(
                "committed-0", "committed-1", "committed-2", "committed-3", "committed-4", "last");
    }
}
