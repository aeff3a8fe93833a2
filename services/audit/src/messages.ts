// Rows to contract messages.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AuditEntrySchema, type AuditEntry } from "@junction/gen/junction/audit/v1/audit_service_pb";
import type { JsonObject } from "@bufbuild/protobuf";
import type { AuditEntry as AuditEntryRow } from "./generated/prisma/client.js";

/** The contract form of a stored entry. */
export function auditEntryMessage(row: AuditEntryRow): AuditEntry {
  return create(AuditEntrySchema, {
    sequence: row.sequence,
    eventId: row.eventId,
    type: row.type,
    source: row.source,
    subject: row.subject,
    actorId: row.actorId,
    orgId: row.orgId,
    eventTime: timestampFromDate(row.eventTime),
    payload: row.payload as JsonObject,
    previousHash: row.previousHash,
    hash: row.hash,
  });
}
