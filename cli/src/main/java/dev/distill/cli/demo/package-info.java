/**
 * The whole system in one JVM, as {@code distill demo} runs it and its end-to-end test checks
 * it: embedded broker, teacher-scorer, the distilled student's trainer and a hard-label
 * baseline's, edge-publisher and a simulated fleet ({@link dev.distill.cli.demo.Pipeline}, brought
 * up by {@link dev.distill.cli.demo.PipelineWiring}), and the results computed from what they
 * published ({@link dev.distill.cli.demo.DemoResults}).
 */
package dev.distill.cli.demo;
