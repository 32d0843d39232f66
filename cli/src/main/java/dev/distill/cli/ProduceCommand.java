package dev.distill.cli;

import dev.distill.contract.data.Dataset;
import dev.distill.contract.data.Datasets;
import dev.distill.contract.data.LabelledImages;
import dev.distill.contract.data.Split;
import dev.distill.contract.proto.Sample;
import dev.distill.platform.config.KafkaSettings;
import dev.distill.platform.ingest.DatasetProducer;
import dev.distill.platform.ingest.KafkaClients;
import dev.distill.platform.topics.TopicAdmin;
import dev.distill.platform.topics.Topics;
import org.apache.kafka.clients.admin.Admin;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "produce", mixinStandardHelpOptions = true, description = "Stream a data set split into the samples topic.")
final class ProduceCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;

  @Option(names = "--dataset", defaultValue = "mnist", description = "mnist or fashion-mnist (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(names = "--split", defaultValue = "train", description = "train or test (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--rate", defaultValue = "0", paramLabel = "N", description = "Samples per second; 0 = as fast as possible.")
  double rate;

  @Option(names = "--limit", defaultValue = "0", paramLabel = "M", description = "Send at most M samples; 0 = the whole split.")
  long limit;

  @Option(names = "--shuffle-seed", paramLabel = "S", description = "Shuffle with this seed (default: the split's order).")
  Long shuffleSeed;

  @Option(names = "--label-fraction", defaultValue = "1.0", paramLabel = "F",
      description = "Keep the hard label on this fraction of samples (default: ${DEFAULT-VALUE}).")
  double labelFraction;

  @Override
  public Integer call() throws Exception {
    Dataset d = Dataset.parse(dataset);
    Split s = Split.parse(split);
    DatasetProducer.Options options = new DatasetProducer.Options(limit, rate, shuffleSeed, labelFraction);
    LabelledImages data = Datasets.load(d, s);
    KafkaSettings settings = kafka.settings();
    Topics topics = settings.topics();
    try (Admin admin = Admin.create(settings.clientProperties())) {
      TopicAdmin.ensure(admin, topics, settings.replicationFactor());
    }
    long total = limit == 0 ? data.count() : Math.min(limit, data.count());
    System.out.printf(Locale.ROOT, "producing %,d %s/%s samples to %s at %s%n",
        total, d.cliName(), s.cliName(), topics.samples().name(), settings.bootstrapServers());
    Progress progress = new Progress(System.out, "produce", total);
    DatasetProducer.Summary summary;
    try (KafkaProducer<String, Sample> producer =
        KafkaClients.producer(settings, topics.samples(), "distill-produce")) {
      summary = new DatasetProducer(producer, topics.samples(), Clock.systemUTC())
          .send(data, options, progress::update);
      progress.finish(summary.sent());
    }
    System.out.printf(Locale.ROOT, "sent %,d samples (%,d with a hard label) in %.1f s, %,.0f samples/s%n",
        summary.sent(), summary.labelled(), summary.elapsedMillis() / 1000.0, summary.ratePerSecond());
    return 0;
  }
}
