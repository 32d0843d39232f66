/**
 * The edge-publisher: pushes model versions over the air to a fleet of devices. {@link
 * dev.distill.publisher.PublisherMain} reads the configuration and calls {@link
 * dev.distill.publisher.PublisherService#run}; tests and the demo start a {@link
 * dev.distill.publisher.PublisherService} in-process.
 */
package dev.distill.publisher;
