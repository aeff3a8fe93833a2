// Input checks for the notifications RPCs: INVALID_ARGUMENT naming every bad field.
import type { ListNotificationsRequest, MarkReadRequest } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { FieldViolations } from "@junction/platform";
import { decodeCursor, type NotificationCursor } from "./page-token.js";

/** Default and largest ListNotifications page. */
export const PAGE_SIZE = { default: 20, max: 100 } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A valid ListNotifications for `userId`. */
export function validList(req: ListNotificationsRequest, userId: string): { pageSize: number; unreadOnly: boolean; after?: NotificationCursor } {
  const violations = new FieldViolations();
  if (req.pageSize < 0 || req.pageSize > PAGE_SIZE.max) violations.add("page_size", `must be from 0 to ${PAGE_SIZE.max}`);
  let after: NotificationCursor | undefined;
  if (req.pageToken !== "") {
    after = decodeCursor(req.pageToken, userId, req.unreadOnly);
    if (!after) violations.add("page_token", "is not a page token of this list");
  }
  violations.throwIfAny();
  return { pageSize: req.pageSize || PAGE_SIZE.default, unreadOnly: req.unreadOnly, after };
}

/** A valid MarkRead: the notification id. */
export function validMarkRead(req: MarkReadRequest): string {
  const violations = new FieldViolations();
  if (req.notificationId === "") violations.add("notification_id", "must not be empty");
  else if (!UUID.test(req.notificationId)) violations.add("notification_id", "must be a UUID");
  violations.throwIfAny();
  return req.notificationId.toLowerCase();
}
