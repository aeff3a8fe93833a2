// Opaque page tokens for paginated lists: the position after a page's last item, bound to the
// query it was issued for (a scope such as the organization, or the user and filter), so a
// token is only honoured by the query that issued it. Positions are strings, so ordering keys
// of any type (timestamps, ids, bigints) round-trip exactly.
import { Buffer } from "node:buffer";

/** Where the next page starts: named ordering keys as strings. */
export type PagePosition = Readonly<Record<string, string>>;

/** The token a client sends back for the page after `position` of the query named by `scope`. */
export function encodePageToken(scope: string, position: PagePosition): string {
  return Buffer.from(JSON.stringify({ s: scope, p: position }), "utf8").toString("base64url");
}

/** The position in `token`, or undefined when it is malformed or was issued for another scope. */
export function decodePageToken(token: string, scope: string): PagePosition | undefined {
  try {
    const body = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { s?: unknown; p?: unknown };
    if (body.s !== scope || typeof body.p !== "object" || body.p === null || Array.isArray(body.p)) return undefined;
    const entries = Object.entries(body.p);
    return entries.every(([, value]) => typeof value === "string") ? (body.p as PagePosition) : undefined;
  } catch {
    return undefined;
  }
}
