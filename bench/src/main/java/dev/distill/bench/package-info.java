/**
 * {@code distill bench}: every speed and size figure of the system in one run. A ratio is never
 * two numbers taken minutes apart: its two sides run interleaved (A B A B ...) for several rounds
 * on the same machine, and the report gives the median of the per-round ratios with its spread,
 * and the load average before and after. Each area (scorer, trainer, push, OTA bytes, freshness)
 * is a {@link dev.distill.bench.Section}; {@link dev.distill.bench.Bench} runs them and {@link
 * dev.distill.bench.BenchReport} writes Markdown, JSON and a PNG chart.
 */
package dev.distill.bench;
