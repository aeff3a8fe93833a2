// Input checks for the audit RPCs: INVALID_ARGUMENT naming every bad field, before any read.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { QueryAuditLogRequest, VerifyAuditChainRequest } from "@junction/gen/junction/audit/v1/audit_service_pb";
import { FieldViolations } from "@junction/platform";
import { decodePageToken, filterFingerprint } from "./page-token.js";

/** Default and largest QueryAuditLog page. */
export const PAGE_SIZE = { default: 100, max: 500 } as const;
const TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$/;
const ID_MAX = 200;

/** A valid QueryAuditLog. */
export interface AuditQuery {
  readonly actorId: string;
  readonly orgId: string;
  readonly type: string;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly pageSize: number;
  readonly after: bigint;
  readonly fingerprint: string;
}

/** The query in `req`, with its page token decoded. */
export function validQuery(req: QueryAuditLogRequest): AuditQuery {
  const violations = new FieldViolations();
  if (req.actorId.length > ID_MAX) violations.add("actor_id", `must be at most ${ID_MAX} characters`);
  if (req.orgId.length > ID_MAX) violations.add("org_id", `must be at most ${ID_MAX} characters`);
  if (req.type !== "" && !TYPE.test(req.type)) violations.add("type", "must be an event subject such as orgs.member.added");
  const startTime = req.startTime && validTime(violations, "start_time", req.startTime);
  const endTime = req.endTime && validTime(violations, "end_time", req.endTime);
  if (startTime && endTime && endTime <= startTime) violations.add("end_time", "must be after start_time");
  if (req.pageSize < 0 || req.pageSize > PAGE_SIZE.max) violations.add("page_size", `must be from 0 to ${PAGE_SIZE.max}`);
  const fingerprint = filterFingerprint({
    actorId: req.actorId,
    orgId: req.orgId,
    type: req.type,
    startTime: startTime?.toISOString() ?? null,
    endTime: endTime?.toISOString() ?? null,
  });
  let after = 0n;
  if (req.pageToken !== "") {
    const decoded = decodePageToken(req.pageToken, fingerprint);
    if (decoded === undefined) violations.add("page_token", "is not a page token of this query");
    else after = decoded;
  }
  violations.throwIfAny();
  return { actorId: req.actorId, orgId: req.orgId, type: req.type, startTime, endTime, pageSize: req.pageSize || PAGE_SIZE.default, after, fingerprint };
}

/** The range in `req`. */
export function validRange(req: VerifyAuditChainRequest): { start: bigint; end: bigint } {
  const violations = new FieldViolations();
  if (req.startSequence < 0n) violations.add("start_sequence", "must not be negative");
  if (req.endSequence < 0n) violations.add("end_sequence", "must not be negative");
  if (req.endSequence > 0n && req.startSequence > req.endSequence) violations.add("end_sequence", "must not be before start_sequence");
  violations.throwIfAny();
  return { start: req.startSequence, end: req.endSequence };
}

function validTime(violations: FieldViolations, field: string, time: Parameters<typeof timestampDate>[0]): Date | undefined {
  const date = timestampDate(time);
  if (Number.isNaN(date.getTime()) || time.nanos < 0 || time.nanos > 999_999_999) {
    violations.add(field, "must be a valid timestamp");
    return undefined;
  }
  return date;
}
