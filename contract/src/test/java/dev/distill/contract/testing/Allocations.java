package dev.distill.contract.testing;

import java.lang.management.ManagementFactory;
import java.util.concurrent.Callable;

/**
 * Bytes the current thread allocates while running a piece of code (HotSpot's per-thread
 * counter): how the property tests check that hostile bytes cannot make a decoder allocate
 * more than a bound stated in proportion to the input.
 */
public final class Allocations {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private Allocations() {}

  /** What a decoder did with some bytes: its result or what it threw, and what it allocated. */
  public record Outcome<T>(T value, Throwable thrown, long allocatedBytes) {}

  public static <T> Outcome<T> run(Callable<T> decoder) {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    T value = null;
    Throwable thrown = null;
    try {
      value = decoder.call();
    } catch (Throwable t) { // an OutOfMemoryError or a stray exception is exactly what the properties look for
      thrown = t;
    }
    return new Outcome<>(value, thrown, THREADS.getCurrentThreadAllocatedBytes() - before);
  }
}
