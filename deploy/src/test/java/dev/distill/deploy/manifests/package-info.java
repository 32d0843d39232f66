/**
 * Offline checks of the Kubernetes manifests: they parse, load into the real Kubernetes and
 * Strimzi model classes with no unknown field, render through the overlays, and satisfy the
 * policies the services need (probes, resources, restricted security, graceful termination,
 * configuration the services' own readers accept).
 */
package dev.distill.deploy.manifests;
