/**
 * The monitoring, checked with the real tools: promtool on the rules and their unit tests, and on
 * the real {@code /metrics} of the running services, and a real Prometheus server scraping them.
 */
package dev.distill.deploy.monitoring;
