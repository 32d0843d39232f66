/** Static checks of the Dockerfiles: no Docker engine exists where the tests run. */
package dev.distill.deploy.docker;
