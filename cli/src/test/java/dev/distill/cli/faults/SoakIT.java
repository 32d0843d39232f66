package dev.distill.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.cli.demo.DemoKeys;
import dev.distill.client.sim.Fleet;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.kafka.FreePorts;
import dev.distill.kafka.KafkaBrokerProcess;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.ingest.DatasetProducer;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.topics.Topics;
import dev.distill.publisher.PublisherConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak: the whole pipeline (broker, scorer, trainer and publisher as child JVMs) takes
 * {@code distill.soak.samples} samples (default 1,000,000: the 60,000 MNIST training images over
 * and over) while {@code distill.soak.devices} simulated devices (default 1,000, in this JVM)
 * follow the published versions. Every 30 s it records throughput, versions, devices on the
 * newest version and each service's resident memory; the table goes to
 * {@code target/soak/soak.md}. Not in the default run: {@code -Ddistill.soak=true}.
 */
class SoakIT {
  static final Path OUT = Path.of("target", "soak");
  static final Duration EVERY = Duration.ofSeconds(30);

  @TempDir Path home;

  @Test
  void aMillionSamplesAndAThousandDevices() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("distill.soak"), "the soak runs with -Ddistill.soak=true");
    long samples = Long.getLong("distill.soak.samples", 1_000_000);
    int deviceCount = Integer.getInteger("distill.soak.devices", 1_000);
    Files.createDirectories(OUT);
    TestHome.prepare(home);
    DemoKeys keys = DemoKeys.create(home.resolve("keys"));

    try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder().dataDir(home.resolve("kafka")).build().start()) {
      Map<String, String> common = Map.of("DISTILL_HOME", home.toString(), "DISTILL_BOOTSTRAP_SERVERS",
          broker.bootstrapServers(), "DISTILL_PARTITIONS", "2");
      KafkaSettings kafka = KafkaSettings.read(ConfigReader.from(common));
      int[] ports = FreePorts.pick(5);
      Map<String, Integer> ops = Map.of("scorer", ports[0], "trainer", ports[1], "publisher", ports[2]);
      int api = ports[3];
      int admin = ports[4];
      String adminToken = "soak-admin-token-0123456789abcdef";
      Map<String, String> scorerEnv = new HashMap<>(common);
      scorerEnv.putAll(Map.of("DISTILL_HTTP_PORT", ops.get("scorer").toString(), "DISTILL_ORT_THREADS", "1",
          "DISTILL_STATE_DIR", home.resolve("scorer-state").toString()));
      Map<String, String> trainerEnv = new HashMap<>(common);
      trainerEnv.putAll(keys.trainerEnv());
      trainerEnv.putAll(Map.of("DISTILL_HTTP_PORT", ops.get("trainer").toString(),
          "DISTILL_TRAINER_ARCHITECTURE", System.getProperty("distill.soak.student", "mlp:784-128-10"),
          "DISTILL_TRAINER_THREADS", "1", "DISTILL_TRAINER_VERSION_EVERY_SAMPLES", "50000"));
      Map<String, String> publisherEnv = new HashMap<>(common);
      publisherEnv.putAll(keys.publisherEnv());
      publisherEnv.putAll(Map.of("DISTILL_HTTP_PORT", ops.get("publisher").toString(),
          PublisherConfig.PORT, Integer.toString(api), PublisherConfig.ADMIN_PORT, Integer.toString(admin),
          PublisherConfig.ADMIN_TOKEN, adminToken, PublisherConfig.ARTIFACT_DIR, home.resolve("artifacts").toString(),
          PublisherConfig.MIN_WAVE_DURATION, "5s"));
      Map<String, ChildService> services = new LinkedHashMap<>();
      services.put("scorer", new ChildService("scorer", "dev.distill.scorer.ScorerMain", scorerEnv,
          List.of("-Xmx768m", "-XX:+UseSerialGC"), OUT));
      services.put("trainer", new ChildService("trainer", "dev.distill.trainer.service.TrainerMain", trainerEnv,
          List.of("-Xmx1g", "-XX:+UseSerialGC"), OUT));
      services.put("publisher", new ChildService("publisher", "dev.distill.publisher.PublisherMain", publisherEnv,
          List.of("-Xmx512m", "-XX:+UseSerialGC"), OUT));
      for (ChildService s : services.values()) {
        s.start();
      }
      awaitReady(ops.get("publisher"));

      LabelledImages train = Datasets.load(Dataset.MNIST, Split.TRAIN);
      List<String> rows = new ArrayList<>();
      long started = System.nanoTime();
      try (Fleet fleet = Fleet.builder(URI.create("http://localhost:" + api), URI.create("http://localhost:" + admin),
              adminToken, "mnist-student").count(deviceCount).data(train).dir(home.resolve("devices"))
              .reportInterval(Duration.ofSeconds(30)).inferenceInterval(Duration.ofSeconds(30)).build().start();
          Admin kafkaAdmin = Admin.create(kafka.clientProperties())) {
        AtomicLong produced = new AtomicLong();
        CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> produce(kafka, train, samples, produced));
        int trainerPort = ops.get("trainer");
        rows.add(row(0, produced.get(), softTargets(kafkaAdmin, kafka.topics()), trained(trainerPort), fleet, services, broker));
        // until the trainer has taken all but the 5% it holds out, or 10 minutes after the last sample
        long drained = Long.MAX_VALUE;
        while (!producing.isDone() || (trained(trainerPort) < 0.94 * samples && System.nanoTime() < drained)) {
          if (producing.isDone() && drained == Long.MAX_VALUE) {
            drained = System.nanoTime() + Duration.ofMinutes(10).toNanos();
          }
          Thread.sleep(EVERY.toMillis());
          for (ChildService s : services.values()) {
            s.ensureRunning();
          }
          rows.add(row((System.nanoTime() - started) / 1e9, produced.get(), softTargets(kafkaAdmin, kafka.topics()),
              trained(trainerPort), fleet, services, broker));
          System.out.println("soak " + rows.get(rows.size() - 1));
          if (System.nanoTime() - started > Duration.ofHours(2).toNanos()) {
            break;
          }
        }
        producing.join();
        Thread.sleep(EVERY.toMillis()); // the last version's rollout
        rows.add(row((System.nanoTime() - started) / 1e9, produced.get(), softTargets(kafkaAdmin, kafka.topics()),
            trained(trainerPort), fleet, services, broker));
      } finally {
        for (ChildService s : services.values()) {
          s.close();
        }
      }
      write(samples, deviceCount, rows, services);
    }
  }

  private static void produce(KafkaSettings kafka, LabelledImages train, long samples, AtomicLong produced) {
    try (var producer = KafkaClients.producer(kafka, kafka.topics().samples(), "soak")) {
      DatasetProducer p = new DatasetProducer(producer, kafka.topics().samples(), Clock.systemUTC());
      while (produced.get() < samples) {
        long pass = Math.min(train.count(), samples - produced.get());
        long before = produced.get();
        p.send(train, new DatasetProducer.Options(pass, 0, produced.get(), 1.0), n -> produced.set(before + n));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long softTargets(Admin admin, Topics topics) throws Exception {
    List<TopicPartition> parts = new ArrayList<>();
    admin.describeTopics(List.of(topics.softTargets().name())).allTopicNames().get().values()
        .forEach(d -> d.partitions().forEach(p -> parts.add(new TopicPartition(d.name(), p.partition()))));
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    parts.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    // end offsets count transaction markers too: a slight overcount of records, the same in every row
    return admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
  }

  /** The trainer's own count of fresh samples trained since it started (its /metrics). */
  private static long trained(int opsPort) {
    try {
      String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + opsPort + "/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
      for (String line : body.split("\n")) {
        if (line.startsWith("distill_trainer_samples_total{")) {
          return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    } catch (java.io.IOException e) {
      // restarting: no figure this time
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return -1;
  }

  private static String row(double seconds, long produced, long targets, long trained, Fleet fleet,
      Map<String, ChildService> services, KafkaBrokerProcess broker) throws Exception {
    Fleet.Snapshot f = fleet.snapshot();
    long newest = f.devicesPerVersion().keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "| %.0f | %,d | %,d | %,d | v%d | %d of %d |", seconds,
        produced, targets, trained, newest, f.devicesPerVersion().getOrDefault(newest, 0), f.devices()));
    for (ChildService s : services.values()) {
      b.append(String.format(Locale.ROOT, " %.0f |", s.residentMiB()));
    }
    b.append(String.format(Locale.ROOT, " %.0f |", Rss.ofPid(broker.pid())));
    return b.toString();
  }

  private static void write(long samples, int devices, List<String> rows, Map<String, ChildService> services)
      throws Exception {
    StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
        "# Soak: %,d samples, %d simulated devices (%s)%n%n"
            + "Written by `mvn -B -pl cli -am verify -Ddistill.soak=true -Dit.test=SoakIT -Dtest=none "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false`. Soft targets are the "
            + "topic's end offsets (transaction markers included); memory is each process's resident set (VmRSS), MiB.%n%n"
            + "| s | samples produced | soft targets | trained | newest version on a device | devices on it | scorer | "
            + "trainer | publisher | broker |%n|---|---|---|---|---|---|---|---|---|---|%n",
        samples, devices, java.time.Instant.now()));
    rows.forEach(r -> md.append(r).append('\n'));
    md.append(String.format(Locale.ROOT, "%nRestarts after an exit: %s%n",
        services.values().stream().map(s -> s.name() + " " + s.restarts() + " " + s.exitCodes()).toList()));
    Files.writeString(OUT.resolve("soak.md"), md);
    System.out.print(md);
  }

  private static void awaitReady(int opsPort) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    HttpClient http = HttpClient.newHttpClient();
    while (System.nanoTime() < deadline) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + opsPort + "/health/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // starting
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the publisher was not ready within 3 minutes");
  }
}
