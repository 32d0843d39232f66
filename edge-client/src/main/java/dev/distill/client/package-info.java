/**
 * The edge-client module: the device agent library ({@code client.agent}), its HTTP client
 * of the publisher ({@code client.http}) and the fleet simulator ({@code client.sim}). Devices
 * speak HTTP only, never Kafka.
 */
package dev.distill.client;
