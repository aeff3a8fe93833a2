// Page tokens for ListMembers: the position after the last member of a page, bound to the
// organization. Members are ordered by (joined_at, user_id), so a member joining or leaving
// between pages neither repeats nor skips anyone else.
import { decodePageToken, encodePageToken } from "@junction/platform";

/** Where the next page of one organization's members starts. */
export interface MemberCursor {
  readonly orgId: string;
  readonly joinedAt: Date;
  readonly userId: string;
}

/** The token a client sends back for the page after `cursor`. */
export function encodeMemberCursor(cursor: MemberCursor): string {
  return encodePageToken(`org:${cursor.orgId}`, { joinedAt: cursor.joinedAt.toISOString(), userId: cursor.userId });
}

/** The cursor in `token`, or undefined when it is not a token this service issued for `orgId`. */
export function decodeMemberCursor(token: string, orgId: string): MemberCursor | undefined {
  const position = decodePageToken(token, `org:${orgId}`);
  const joinedAt = new Date(position?.joinedAt ?? "");
  if (!position?.userId || Number.isNaN(joinedAt.getTime())) return undefined;
  return { orgId, joinedAt, userId: position.userId };
}
