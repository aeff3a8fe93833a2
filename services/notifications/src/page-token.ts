// Opaque page tokens for ListNotifications: the position after the last notification of a
// page (newest first: created_at, then id, both descending), bound to the user and filter it
// was issued for.
import { Buffer } from "node:buffer";

/** Where the next page starts. */
export interface NotificationCursor {
  readonly createdAt: Date;
  readonly id: string;
}

/** The token for the page after `cursor` of `userId`'s list (unread only or not). */
export function encodeCursor(cursor: NotificationCursor, userId: string, unreadOnly: boolean): string {
  return Buffer.from(JSON.stringify({ u: userId, r: unreadOnly, t: cursor.createdAt.toISOString(), i: cursor.id }), "utf8").toString("base64url");
}

/** The cursor in `token`, or undefined when it was not issued for this user and filter. */
export function decodeCursor(token: string, userId: string, unreadOnly: boolean): NotificationCursor | undefined {
  try {
    const body = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { u?: unknown; r?: unknown; t?: unknown; i?: unknown };
    if (body.u !== userId || body.r !== unreadOnly || typeof body.t !== "string" || typeof body.i !== "string") return undefined;
    const createdAt = new Date(body.t);
    return Number.isNaN(createdAt.getTime()) ? undefined : { createdAt, id: body.i };
  } catch {
    return undefined;
  }
}
