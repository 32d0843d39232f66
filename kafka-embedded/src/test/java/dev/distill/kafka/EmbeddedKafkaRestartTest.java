package dev.distill.kafka;

import static dev.distill.kafka.KafkaTestClients.WAIT;
import static dev.distill.kafka.KafkaTestClients.consumer;
import static dev.distill.kafka.KafkaTestClients.createTopic;
import static dev.distill.kafka.KafkaTestClients.idempotentProducer;
import static dev.distill.kafka.KafkaTestClients.pollUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaRestartTest {

    private static final String TOPIC = "kept";

    @TempDir
    Path dataDir;

    @Test
    void recordsSurviveStopAndStartOnTheSameDataDirWhichIsNotReformatted() throws Exception {
        Path metaProperties = dataDir.resolve(EmbeddedKafka.KAFKA_LOG_DIR_NAME).resolve("meta.properties");
        EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir).build();
        try {
            kafka.start();
            String bootstrap = kafka.bootstrapServers();
            String clusterId = clusterIdReportedBy(bootstrap);
            createTopic(bootstrap, TOPIC, 1);
            try (KafkaProducer<String, String> producer = idempotentProducer(bootstrap)) {
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, Integer.toString(i))).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
            }

            kafka.close();
            byte[] metaAfterFirstRun = Files.readAllBytes(metaProperties);
            kafka.start();

            assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
            assertThat(clusterIdReportedBy(bootstrap)).isEqualTo(clusterId);
            assertThat(Files.readAllBytes(metaProperties)).isEqualTo(metaAfterFirstRun);
            assertThat(readAll(bootstrap)).containsExactlyElementsOf(IntStream.range(0, 20).boxed().toList());
        } finally {
            kafka.close();
        }
    }

    @Test
    void awaitClosedReturnsOnceAnotherThreadClosesTheBroker() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir).build().start();
        CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
            try {
                kafka.awaitClosed();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // while the broker runs the waiter must stay blocked: this fails if awaitClosed returns early
        Thread.sleep(500);
        assertThat(waiter).isNotDone();

        kafka.close();

        assertThat(waiter).succeedsWithin(WAIT);
        assertThat(kafka.isRunning()).isFalse();
    }

    @Test
    void dataDirFormattedForAnotherNodeIdIsReusedWithItsOwnIdentity() throws Exception {
        String clusterId;
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir).nodeId(7).build().start()) {
            clusterId = kafka.clusterId();
            createTopic(kafka.bootstrapServers(), TOPIC, 1);
        }

        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir).nodeId(1).build().start()) {
            assertThat(kafka.nodeId()).isEqualTo(7);
            assertThat(kafka.clusterId()).isEqualTo(clusterId);
            assertThat(clusterIdReportedBy(kafka.bootstrapServers())).isEqualTo(clusterId);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get(WAIT.toSeconds(), TimeUnit.SECONDS)).contains(TOPIC);
            }
        }
    }

    @Test
    void startFailsWithAClearMessageWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("localhost"))) {
            EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir).port(taken.getLocalPort()).build();

            assertThatThrownBy(kafka::start)
                    .isInstanceOf(KafkaStartupException.class)
                    .hasMessageContaining("port " + taken.getLocalPort())
                    .hasMessageContaining("already in use");
            assertThat(kafka.isRunning()).isFalse();
            kafka.close();
        }
    }

    private static String clusterIdReportedBy(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.describeCluster().clusterId().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private static List<Integer> readAll(String bootstrap) {
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap, null, "read_uncommitted")) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            return pollUntil(consumer, records -> records.size() >= 20).stream()
                    .map(ConsumerRecord::value).map(Integer::parseInt).toList();
        }
    }
}
