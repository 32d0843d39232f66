package dev.distill.cli;

import dev.distill.contract.data.DataHome;
import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.DatasetFetcher;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.FetchResult;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.proto.Sample;
import dev.distill.kafka.EmbeddedKafka;
import dev.distill.platform.config.ConfigReader;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.config.ServiceSettings;
import dev.distill.scorer.ScorerService;
import dev.distill.scorer.ScorerSettings;
import dev.distill.platform.ingest.DatasetProducer;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.lifecycle.GracefulShutdown;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole system on this machine: data, a real Kafka broker, and the stream. It grows with
 * the services; today it fetches the data set, starts the embedded broker and the
 * teacher-scorer, streams the training split into the samples topic and waits until every
 * sample is scored.
 */
@Command(name = "demo", description = "Run the pipeline on this machine with an embedded Kafka broker.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--dataset", defaultValue = "mnist", description = "mnist or fashion-mnist (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Stream at most N samples; 0 = the whole training split.")
  long limit;

  @Option(names = "--follow", description = "Keep the broker running after the stream, for more samples (Ctrl-C stops).")
  boolean follow;

  @Override
  public Integer call() throws Exception {
    Dataset d = Dataset.parse(dataset);
    System.out.println("distill demo: " + d.cliName() + " through a real Kafka broker on this machine");
    System.out.println("logs: " + Logging.logFile());

    DataHome home = DataHome.resolve();
    FetchResult fetched = new DatasetFetcher(home).fetch(d, Optional.empty());
    System.out.println("data:  " + fetched.summary());
    LabelledImages train = Datasets.load(home, d, Split.TRAIN);
    var teacher = TeacherCommand.store().latest(d.cliName());
    if (teacher.isEmpty()) {
      System.out.println("teacher: none stored yet, training one now (once: later runs reuse it; "
          + "about 10-20 minutes on 2 cores)");
      int rc = Distill.commandLine().execute("teacher", "train", "--dataset", d.cliName());
      if (rc != 0) {
        throw new UserError("could not train the teacher; see " + Logging.logFile());
      }
    } else {
      System.out.println("teacher: reusing " + d.cliName() + " v" + teacher.get().version()
          + " (" + teacher.get().info().getOrDefault("test_errors", "?") + " test errors)");
    }

    Path kafkaDir = Paths.demo().resolve("kafka");
    deleteRecursively(kafkaDir); // every demo run starts from empty topics
    GracefulShutdown shutdown = GracefulShutdown.onSignal("demo", Duration.ofSeconds(30));
    try {
      EmbeddedKafka broker = shutdown.register("kafka",
          EmbeddedKafka.builder().dataDir(kafkaDir).port(0).controllerPort(0).build());
      broker.start();
      System.out.println("kafka: broker at " + broker.bootstrapServers() + " (data in " + kafkaDir + ")");

      KafkaSettings kafka = KafkaSettings.read(ConfigReader.from(Map.of(
          KafkaSettings.BOOTSTRAP, broker.bootstrapServers())));
      deleteRecursively(Paths.demo().resolve("scorer-state"));
      Topics topics = kafka.topics();
      try (Admin admin = Admin.create(kafka.clientProperties())) {
        TopicAdmin.ensure(admin, topics, (short) 1);
      }

      ScorerService scorer = shutdown.register("teacher-scorer", ScorerService.start(ScorerSettings.from(Map.of(
          KafkaSettings.BOOTSTRAP, broker.bootstrapServers(),
          ScorerSettings.TEACHER_ID, d.cliName(),
          ScorerSettings.STATE_DIR, Paths.demo().resolve("scorer-state").toString(),
          ServiceSettings.HTTP_PORT, "0"))));
      System.out.println("scorer: teacher " + d.cliName() + " v" + scorer.teacherVersion()
          + " at T=" + scorer.settings().scoring().temperature() + " (metrics: http://localhost:" + scorer.httpPort() + "/metrics)");

      long total = limit == 0 ? train.count() : Math.min(limit, train.count());
      Progress progress = new Progress(System.out, "samples", total);
      DatasetProducer.Summary sent;
      try (KafkaProducer<String, Sample> producer = KafkaClients.producer(kafka, topics.samples(), "distill-demo")) {
        sent = new DatasetProducer(producer, topics.samples(), Clock.systemUTC())
            .send(train, new DatasetProducer.Options(total, 0, 1L, 1.0), progress::update);
      }
      progress.finish(sent.sent());
      System.out.printf(Locale.ROOT, "%nstreamed %,d %s training samples into %s in %.1f s (%,.0f samples/s)%n",
          sent.sent(), d.cliName(), topics.samples().name(), sent.elapsedMillis() / 1000.0, sent.ratePerSecond());
      Progress scored = new Progress(System.out, "scored", total);
      while (scorer.metrics().softTargetsCount() + scorer.metrics().deadLettersCount() < sent.sent()) {
        if (scorer.failure().isDone()) {
          throw new UserError("the teacher-scorer stopped: " + scorer.failure().getNow(null));
        }
        scored.update((long) (scorer.metrics().softTargetsCount() + scorer.metrics().deadLettersCount()));
        Thread.sleep(200);
      }
      scored.finish((long) scorer.metrics().softTargetsCount());
      System.out.printf(Locale.ROOT, "scored %,.0f samples into %s (%,.0f dead letters)%n",
          scorer.metrics().softTargetsCount(), topics.softTargets().name(), scorer.metrics().deadLettersCount());
      System.out.println("running in this demo: data set, broker, producer, teacher-scorer. The student-trainer, "
          + "edge-publisher and device fleet run as their own commands for now (distill trainer, distill publisher, "
          + "distill devices simulate).");
      if (follow) {
        System.out.println("broker stays up at " + broker.bootstrapServers()
            + ": try `./distill produce --bootstrap-servers " + broker.bootstrapServers()
            + " --split test`. Ctrl-C stops.");
        shutdown.await();
      }
    } finally {
      shutdown.close();
    }
    return 0;
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
