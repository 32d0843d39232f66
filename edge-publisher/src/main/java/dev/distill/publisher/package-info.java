/**
 * The edge-publisher module: the OTA service: artifact store, signed manifests and staged rollouts over HTTP (issue #5).
 */
package dev.distill.publisher;
