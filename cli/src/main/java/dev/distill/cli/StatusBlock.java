package dev.distill.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * A few status lines that a long command keeps current. On a terminal the block is redrawn in
 * place (messages printed through {@link #println} appear above it); otherwise (CI, pipes) one
 * summary line is printed every few seconds, so a log stays short.
 */
final class StatusBlock implements AutoCloseable {
  private static final long TTY_MILLIS = 250;
  private static final long PLAIN_MILLIS = Duration.ofSeconds(10).toMillis();

  private final PrintStream out;
  private final boolean tty;
  private final Supplier<List<String>> lines;
  private final Supplier<String> line;
  private final Thread thread;
  private int drawn;
  private volatile boolean running = true;

  /**
   * @param lines the block, for a terminal
   * @param line  the same in one line, for logs
   */
  StatusBlock(PrintStream out, Supplier<List<String>> lines, Supplier<String> line) {
    this.out = out;
    this.tty = System.console() != null;
    this.lines = lines;
    this.line = line;
    this.thread = new Thread(this::loop, "status");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (running) {
      try {
        Thread.sleep(tty ? TTY_MILLIS : PLAIN_MILLIS);
        if (running) {
          draw();
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // a part closing under us (Ctrl-C): the next draw, if any, shows the new state
      }
    }
  }

  /** Redraws now (a terminal) or prints the one-line status (otherwise). */
  synchronized void draw() {
    if (!tty) {
      out.println(line.get());
      out.flush();
      return;
    }
    List<String> block = lines.get();
    StringBuilder b = new StringBuilder();
    if (drawn > 0) {
      b.append("\u001b[").append(drawn).append('F'); // to the start of the block's first line
    }
    for (String l : block) {
      b.append(l).append("\u001b[K\n");
    }
    for (int i = block.size(); i < drawn; i++) {
      b.append("\u001b[K\n");
    }
    drawn = Math.max(drawn, block.size());
    out.print(b);
    out.flush();
  }

  /** Prints a message above the block; the block follows it. */
  synchronized void println(String message) {
    if (tty && drawn > 0) {
      out.print("\u001b[" + drawn + "F\u001b[J");
      drawn = 0;
    }
    out.println(message);
    if (tty) {
      draw();
    }
  }

  /** Stops redrawing; the last block stays on a terminal, a last line is printed otherwise. */
  @Override
  public synchronized void close() {
    if (!running) {
      return;
    }
    running = false;
    thread.interrupt();
    try {
      draw();
    } catch (RuntimeException e) {
      // the parts are closing (Ctrl-C): the last drawn block stands
    }
    drawn = 0;
  }
}
