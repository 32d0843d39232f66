/**
 * A device's side of the OTA HTTP API on the JDK's {@link java.net.http.HttpClient}: one
 * client (one selector thread) serves thousands of devices, event streams are read as lines
 * without a thread each, and downloads resume with Range and stop at the signed length.
 */
package dev.distill.client.http;
