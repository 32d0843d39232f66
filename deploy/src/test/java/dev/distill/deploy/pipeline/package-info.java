/**
 * The real distill services started together on an embedded broker, as the monitoring tests need
 * them: each stage made to emit its metrics once, on ports a local Prometheus can scrape.
 */
package dev.distill.deploy.pipeline;
