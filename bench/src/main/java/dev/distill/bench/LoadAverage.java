package dev.distill.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The 1, 5 and 15 minute load averages, as /proc/loadavg gives them. */
public record LoadAverage(double one, double five, double fifteen) {
  public static LoadAverage now() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return new LoadAverage(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
    } catch (IOException | RuntimeException e) {
      double one = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      return new LoadAverage(one, Double.NaN, Double.NaN);
    }
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "%.2f %.2f %.2f", one, five, fifteen);
  }
}
