/**
 * The services' images, checked without a container engine: the Dockerfiles read statically; the
 * artifacts they copy; the images Jib builds ({@code mvn -Pimages package}) read layer by layer and,
 * as root, run under chroot on a read-only root.
 */
package dev.distill.deploy.docker;
