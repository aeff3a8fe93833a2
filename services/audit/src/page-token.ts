// Page tokens for QueryAuditLog: the last sequence of a page, bound to a fingerprint of the
// filters, so a token is only accepted with the query it came from.
import { createHash } from "node:crypto";
import { decodePageToken as decode, encodePageToken as encode } from "@junction/platform";
import { canonicalJson, type Json } from "./canonical-json.js";

/** A fingerprint of a query's filters. */
export function filterFingerprint(filters: Json): string {
  return createHash("sha256").update(canonicalJson(filters)).digest("base64url").slice(0, 16);
}

/** The token for the page after `sequence` of the query with `fingerprint`. */
export function encodePageToken(sequence: bigint, fingerprint: string): string {
  return encode(`audit:${fingerprint}`, { sequence: sequence.toString() });
}

/** The sequence after which the next page starts, or undefined when `token` does not belong to this query. */
export function decodePageToken(token: string, fingerprint: string): bigint | undefined {
  const sequence = decode(token, `audit:${fingerprint}`)?.sequence;
  return sequence !== undefined && /^\d{1,19}$/.test(sequence) ? BigInt(sequence) : undefined;
}
