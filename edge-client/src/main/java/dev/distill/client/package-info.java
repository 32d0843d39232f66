/**
 * The edge-client module: the device agent library and fleet simulator: HTTP only, never Kafka (issue #5).
 */
package dev.distill.client;
