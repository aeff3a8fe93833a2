// The hash chain over audit entries: each entry's hash covers its own content and the previous
// entry's hash, so editing, removing or reordering any entry breaks every link after it.
import { createHash } from "node:crypto";
import { canonicalJson, type Json } from "./canonical-json.js";
import type { AuditRecord } from "./audit-log.js";

/** What an entry's hash covers: the event as recorded, its place in the log, and the link to the entry before. */
export interface ChainedContent extends AuditRecord {
  readonly sequence: bigint;
  readonly previousHash: string;
}

/** The previous hash of the first entry. */
export const GENESIS_HASH = "";

/**
 * Hex SHA-256 of the canonical JSON of `entry` (RFC 8785), with the sequence as a decimal
 * string and the event time as RFC 3339 UTC with milliseconds, the precision it is stored at.
 */
export function entryHash(entry: ChainedContent): string {
  const content: Json = {
    sequence: entry.sequence.toString(),
    eventId: entry.eventId,
    type: entry.type,
    source: entry.source,
    subject: entry.subject,
    actorId: entry.actorId,
    orgId: entry.orgId,
    eventTime: entry.eventTime.toISOString(),
    payload: entry.payload,
    previousHash: entry.previousHash,
  };
  return createHash("sha256").update(canonicalJson(content), "utf8").digest("hex");
}

/** A stored entry: its content and the hash recorded with it. */
export interface StoredLink extends ChainedContent {
  readonly hash: string;
}

/** The first broken link found, if any. */
export interface BrokenLink {
  readonly sequence: bigint;
  readonly reason: string;
}

/**
 * Checks one stored entry against its predecessor (`previous`: the expected sequence and hash,
 * or undefined when the entry opens the checked range and its own link cannot be checked).
 */
export function checkLink(entry: StoredLink, previous: { sequence: bigint; hash: string } | undefined): BrokenLink | undefined {
  if (previous && entry.sequence !== previous.sequence + 1n) {
    return { sequence: previous.sequence + 1n, reason: `entry ${previous.sequence + 1n} is missing (the next entry is ${entry.sequence})` };
  }
  if (previous && entry.previousHash !== previous.hash) {
    return { sequence: entry.sequence, reason: "previous_hash does not match the hash of the entry before it" };
  }
  if (entryHash(entry) !== entry.hash) {
    return { sequence: entry.sequence, reason: "the entry's content does not match its hash" };
  }
  return undefined;
}
