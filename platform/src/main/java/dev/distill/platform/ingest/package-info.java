/**
 * Getting samples into the system: the data set producer behind {@code distill produce} and
 * the demo, and the producer settings everything that writes samples shares.
 */
package dev.distill.platform.ingest;
