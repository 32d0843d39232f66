package dev.distill.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * One progress line: count, rate and time left. On a terminal it redraws in place; otherwise
 * (CI, pipes) it prints a line at most every few seconds so logs stay readable.
 */
final class Progress {
  private static final long PLAIN_INTERVAL_NANOS = Duration.ofSeconds(5).toNanos();
  private static final long TTY_INTERVAL_NANOS = Duration.ofMillis(200).toNanos();

  private final PrintStream out;
  private final String label;
  private final long total;
  private final boolean tty;
  private final long start = System.nanoTime();
  private long lastDraw;
  private long lastDone = -1;

  Progress(PrintStream out, String label, long total) {
    this.out = out;
    this.label = label;
    this.total = total;
    this.tty = System.console() != null;
  }

  void update(long done) {
    long now = System.nanoTime();
    if (done < total && now - lastDraw < (tty ? TTY_INTERVAL_NANOS : PLAIN_INTERVAL_NANOS)) {
      return;
    }
    if (done == lastDone) {
      return;
    }
    lastDraw = now;
    lastDone = done;
    String line = render(done, now);
    if (tty) {
      out.print("\r" + line + "\u001b[K");
    } else {
      out.println(line);
    }
    out.flush();
  }

  void finish(long done) {
    lastDraw = 0;
    update(done);
    if (tty) {
      out.println();
    }
  }

  private String render(long done, long now) {
    double secs = Math.max((now - start) / 1e9, 1e-3);
    double rate = done / secs;
    int width = 28;
    int filled = total == 0 ? width : (int) Math.min(width, width * done / total);
    String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
    String eta = rate > 0 && done < total ? clock((long) ((total - done) / rate)) : "--:--";
    return String.format(Locale.ROOT, "%-10s [%s] %,d/%,d  %,.0f/s  ETA %s", label, bar, done, total, rate,
        done >= total ? "done" : eta);
  }

  static String clock(long seconds) {
    return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
  }
}
