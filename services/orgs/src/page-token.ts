// Opaque page tokens for ListMembers: the position after the last member of a page, bound to
// the organization it was issued for. Members are ordered by (joined_at, user_id), so a member
// joining or leaving between pages neither repeats nor skips anyone else.
import { Buffer } from "node:buffer";

/** Where the next page of one organization's members starts. */
export interface MemberCursor {
  readonly orgId: string;
  readonly joinedAt: Date;
  readonly userId: string;
}

/** The token a client sends back for the page after `cursor`. */
export function encodeMemberCursor(cursor: MemberCursor): string {
  const body = JSON.stringify({ o: cursor.orgId, t: cursor.joinedAt.toISOString(), u: cursor.userId });
  return Buffer.from(body, "utf8").toString("base64url");
}

/** The cursor in `token`, or undefined when it is not a token this service issued for `orgId`. */
export function decodeMemberCursor(token: string, orgId: string): MemberCursor | undefined {
  try {
    const body = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown; t?: unknown; u?: unknown };
    if (body.o !== orgId || typeof body.t !== "string" || typeof body.u !== "string") return undefined;
    const joinedAt = new Date(body.t);
    if (Number.isNaN(joinedAt.getTime())) return undefined;
    return { orgId, joinedAt, userId: body.u };
  } catch {
    return undefined;
  }
}
