/**
 * Offline checks of the Kubernetes manifests: they parse, load into the real Kubernetes and
 * Strimzi model classes with no unknown field, render through the overlays, and satisfy the
 * policies the services need (probes, resources, restricted security, graceful termination,
 * configuration the services' own readers accept). The test renderer is held to the real
 * {@code kubectl kustomize}, and what kubectl renders to the JSON schemas of the Kubernetes API
 * and the operators' CRDs (deploy/schema).
 */
package dev.distill.deploy.manifests;
