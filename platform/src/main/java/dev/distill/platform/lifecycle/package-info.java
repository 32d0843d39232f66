/**
 * Service lifecycle: graceful shutdown on SIGTERM within a time budget, closing a service's
 * parts in reverse order of start.
 */
package dev.distill.platform.lifecycle;
