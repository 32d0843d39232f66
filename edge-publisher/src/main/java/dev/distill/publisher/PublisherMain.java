package dev.distill.publisher;

import dev.distill.platform.config.ConfigException;
import dev.distill.platform.config.ConfigReader;

/** The edge-publisher process: read the configuration, run until stopped. */
public final class PublisherMain {
  private PublisherMain() {}

  public static void main(String[] args) throws Exception {
    PublisherConfig config;
    try {
      config = PublisherConfig.read(ConfigReader.fromEnvironment());
    } catch (ConfigException e) {
      System.err.println("edge-publisher: " + e.getMessage());
      System.exit(2);
      return;
    }
    PublisherService.run(config);
  }
}
