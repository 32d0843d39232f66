package dev.distill.publisher.http;

import dev.distill.contract.proto.AuditRecord;

/** Where the admin API records every operator action (a topic in production; the log always). */
@FunctionalInterface
public interface AuditTrail {
  void record(AuditRecord record);
}
