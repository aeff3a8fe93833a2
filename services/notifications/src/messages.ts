// Rows to contract messages.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { NotificationSchema, type Notification } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import type { Notification as NotificationRow } from "./generated/prisma/client.js";
import { contractKind } from "./kinds.js";

/** The contract form of a stored notification. */
export function notificationMessage(row: NotificationRow): Notification {
  return create(NotificationSchema, {
    notificationId: row.id,
    userId: row.userId,
    kind: contractKind(row.kind),
    title: row.title,
    body: row.body,
    createTime: timestampFromDate(row.createdAt),
    readTime: row.readAt ? timestampFromDate(row.readAt) : undefined,
  });
}
