package dev.distill.kafka;

import static dev.distill.kafka.KafkaTestClients.WAIT;
import static dev.distill.kafka.KafkaTestClients.consumer;
import static dev.distill.kafka.KafkaTestClients.createTopic;
import static dev.distill.kafka.KafkaTestClients.idempotentProducer;
import static dev.distill.kafka.KafkaTestClients.pollUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerProcessTest {

    @TempDir
    Path dataDir;

    @Test
    void recordsAcknowledgedBeforeSigkillAreReadableAfterRestartOnTheSameAddress() throws Exception {
        String topic = "survives-kill";
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder().dataDir(dataDir).build().start()) {
            String bootstrap = broker.bootstrapServers();
            createTopic(bootstrap, topic, 1);

            try (KafkaProducer<String, String> producer = idempotentProducer(bootstrap)) {
                sendAndAwaitAcks(producer, topic, 0, 50);

                broker.kill();
                assertThat(broker.isAlive()).isFalse();
                broker.restart();

                assertThat(broker.isAlive()).isTrue();
                assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
                // The producer built before the crash reconnects to the same address.
                sendAndAwaitAcks(producer, topic, 50, 100);
            }

            List<Integer> values;
            try (KafkaConsumer<String, String> consumer = consumer(bootstrap, null, "read_uncommitted")) {
                TopicPartition partition = new TopicPartition(topic, 0);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                values = pollUntil(consumer, records -> records.size() >= 100).stream()
                        .map(ConsumerRecord::value).map(Integer::parseInt).toList();
            }
            assertThat(values).containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
        }
        assertThat(dataDir.resolve(KafkaBrokerProcess.LOG_FILE_NAME)).content()
                .contains(BrokerMain.READY_PREFIX);
    }

    @Test
    void startFailsWithTheTailOfTheChildLogWhenTheBrokerCannotStart() {
        KafkaBrokerProcess broker = KafkaBrokerProcess.builder()
                .dataDir(dataDir)
                .brokerProperty("num.io.threads", "not-a-number")
                .build();

        assertThatThrownBy(broker::start)
                .isInstanceOf(KafkaStartupException.class)
                .hasMessageContaining("exited with code 1")
                .hasMessageContaining("num.io.threads");
        assertThat(broker.isAlive()).isFalse();
        broker.close();
    }

    private static void sendAndAwaitAcks(KafkaProducer<String, String> producer, String topic, int from, int to)
            throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (int i = from; i < to; i++) {
            acks.add(producer.send(new ProducerRecord<>(topic, Integer.toString(i))));
        }
        for (Future<RecordMetadata> ack : acks) {
            ack.get(WAIT.multipliedBy(2).toSeconds(), TimeUnit.SECONDS);
        }
    }
}
