// Opaque page tokens for QueryAuditLog: the last sequence of a page plus a fingerprint of the
// filters, so a token is only accepted with the query it came from.
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { canonicalJson, type Json } from "./canonical-json.js";

/** A fingerprint of a query's filters. */
export function filterFingerprint(filters: Json): string {
  return createHash("sha256").update(canonicalJson(filters)).digest("base64url").slice(0, 16);
}

/** The token for the page after `sequence` of the query with `fingerprint`. */
export function encodePageToken(sequence: bigint, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ s: sequence.toString(), f: fingerprint }), "utf8").toString("base64url");
}

/** The sequence after which the next page starts, or undefined when `token` does not belong to this query. */
export function decodePageToken(token: string, fingerprint: string): bigint | undefined {
  try {
    const body = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { s?: unknown; f?: unknown };
    if (body.f !== fingerprint || typeof body.s !== "string" || !/^\d{1,19}$/.test(body.s)) return undefined;
    return BigInt(body.s);
  } catch {
    return undefined;
  }
}
