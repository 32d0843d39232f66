package dev.distill.publisher;

import dev.distill.platform.config.ConfigException;
import dev.distill.platform.config.ConfigReader;

/** The edge-publisher process: read the configuration, run until stopped. */
public final class PublisherMain {
  private PublisherMain() {}

  public static void main(String[] args) throws Exception {
    try {
      // the signing identity is checked again at start, when a dev root may have been created
      PublisherService.run(PublisherConfig.read(ConfigReader.fromEnvironment()));
    } catch (ConfigException e) {
      System.err.println("edge-publisher: " + e.getMessage());
      System.exit(2);
    }
  }
}
