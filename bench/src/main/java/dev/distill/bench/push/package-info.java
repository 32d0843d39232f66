/**
 * The push rows of {@code distill bench}: publish-to-all latency from one publisher to thousands
 * of devices holding server-sent-event streams, the devices in a JVM of their own
 * ({@link dev.distill.bench.push.PushDevices}) with their streams multiplexed over h2c.
 */
package dev.distill.bench.push;
