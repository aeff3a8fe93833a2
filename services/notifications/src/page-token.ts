// Page tokens for ListNotifications: the position after the last notification of a page
// (newest first: created_at, then id, both descending), bound to the user and filter.
import { decodePageToken, encodePageToken } from "@junction/platform";

/** Where the next page starts. */
export interface NotificationCursor {
  readonly createdAt: Date;
  readonly id: string;
}

const scopeOf = (userId: string, unreadOnly: boolean) => `notifications:${userId}:${unreadOnly ? "unread" : "all"}`;

/** The token for the page after `cursor` of `userId`'s list (unread only or not). */
export function encodeCursor(cursor: NotificationCursor, userId: string, unreadOnly: boolean): string {
  return encodePageToken(scopeOf(userId, unreadOnly), { createdAt: cursor.createdAt.toISOString(), id: cursor.id });
}

/** The cursor in `token`, or undefined when it was not issued for this user and filter. */
export function decodeCursor(token: string, userId: string, unreadOnly: boolean): NotificationCursor | undefined {
  const position = decodePageToken(token, scopeOf(userId, unreadOnly));
  const createdAt = new Date(position?.createdAt ?? "");
  if (!position?.id || Number.isNaN(createdAt.getTime())) return undefined;
  return { createdAt, id: position.id };
}
