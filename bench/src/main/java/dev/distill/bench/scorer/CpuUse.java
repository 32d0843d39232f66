package dev.distill.bench.scorer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Where the CPU of this JVM went while a trial was measured, in cores (CPU seconds per wall second). */
record CpuUse(Map<String, Double> cores) {
  static final String STREAM = "stream thread";
  static final String INFERENCE = "inference thread (ORT calling thread)";
  static final String CLIENTS = "client network threads";
  static final String BROKER = "broker threads";
  static final String OTHER = "other Java threads";
  static final String NATIVE = "native threads (ORT intra-op pool, GC, JIT)";
  static final String PROCESS = "whole process";

  String describe() {
    StringBuilder b = new StringBuilder();
    cores.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(String.format(Locale.ROOT, " %.2f", v)));
    return b.toString();
  }

  static String group(String thread) {
    if (thread.startsWith("kafka-producer-network-thread") || thread.endsWith("-consumer")
        || thread.contains("consumer-network")) {
      return CLIENTS;
    }
    if (thread.contains("StreamThread")) {
      return STREAM;
    }
    if (thread.startsWith("scorer-inference")) {
      return INFERENCE;
    }
    if (thread.startsWith("data-plane") || thread.startsWith("kafka-") || thread.contains("broker")
        || thread.contains("quorum") || thread.contains("raft") || thread.contains("Replica")
        || thread.contains("transaction") || thread.contains("group-coordinator") || thread.contains("controller")) {
      return BROKER;
    }
    return OTHER;
  }

  /** CPU time by thread group at one moment. */
  record Snapshot(Map<String, Long> threads, long process) {
    static Snapshot take() {
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      Map<String, Long> cpu = new LinkedHashMap<>();
      for (String g : new String[] {STREAM, INFERENCE, CLIENTS, BROKER, OTHER}) {
        cpu.put(g, 0L);
      }
      for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
        if (info != null) {
          long ns = mx.getThreadCpuTime(info.getThreadId());
          if (ns > 0) {
            cpu.merge(group(info.getThreadName()), ns, Long::sum);
          }
        }
      }
      long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
      return new Snapshot(cpu, process);
    }

    /**
     * Since {@code earlier}. A thread that ended in between takes its CPU time with it, which
     * only the whole-process figure keeps: it lands in the native row.
     */
    CpuUse minus(Snapshot earlier, double seconds) {
      Map<String, Double> out = new LinkedHashMap<>();
      long java = 0;
      for (var e : threads.entrySet()) {
        long d = Math.max(0, e.getValue() - earlier.threads.getOrDefault(e.getKey(), 0L));
        out.put(e.getKey(), d / 1e9 / seconds);
        java += d;
      }
      long total = process - earlier.process;
      out.put(NATIVE, Math.max(0, total - java) / 1e9 / seconds);
      out.put(PROCESS, total / 1e9 / seconds);
      return new CpuUse(out);
    }
  }
}
