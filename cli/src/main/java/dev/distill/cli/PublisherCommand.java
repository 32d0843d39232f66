package dev.distill.cli;

import dev.distill.platform.config.ConfigReader;
import dev.distill.publisher.PublisherConfig;
import dev.distill.publisher.PublisherService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "publisher", mixinStandardHelpOptions = true,
    description = "Run the edge-publisher (OTA service) until Ctrl-C. Configured by DISTILL_* variables "
        + "(DISTILL_ADMIN_TOKEN is required; docs/edge.md lists them); the API is edge-publisher/openapi.yaml.")
final class PublisherCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    PublisherService.run(PublisherConfig.read(ConfigReader.fromEnvironment()));
    return 0;
  }
}
