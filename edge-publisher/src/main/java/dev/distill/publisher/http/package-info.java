/**
 * The versioned HTTP API ({@code /v1}, described in {@code edge-publisher/openapi.yaml}) on
 * Javalin, as two listeners: the device API (assignment, server-sent-event push, artifact and
 * delta downloads with ETag and Range, device reports) and the admin API on a port of its own. Errors are a small stable
 * vocabulary ({@link dev.distill.publisher.http.ErrorCode}) mapped to HTTP statuses in that one
 * enum and always answered as {@code {code, message}} JSON.
 */
package dev.distill.publisher.http;
