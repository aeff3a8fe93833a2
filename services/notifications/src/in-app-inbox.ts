// The in-app inbox: notifications stored for a user, listed newest first, marked read by their
// owner. A new notification is announced (notifications.notification.delivered, channel
// IN_APP) in the same transaction and pushed live once that transaction commits.
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { DeliveryChannel, NotificationDeliveredSchema } from "@junction/gen/junction/notifications/v1/events_pb";
import { type AfterCommit, domainError, type Outbox, type ReceivedEvent } from "@junction/platform";
import type { Notification, Prisma, PrismaClient } from "./generated/prisma/client.js";
import { contractKind, type StoredKind } from "./kinds.js";
import type { LiveFeed } from "./live-feed.js";
import { notificationMessage } from "./messages.js";
import type { Notice } from "./notices.js";
import type { NotificationCursor } from "./page-token.js";

type Tx = Prisma.TransactionClient;

/** What storing a notification needs. */
export interface InboxDependencies {
  readonly outbox: Pick<Outbox, "add">;
  readonly afterCommit: AfterCommit<Tx>;
  readonly feed: Pick<LiveFeed, "publish">;
}

/** Stores `notice` for `userId` in the event's transaction; pushes it live after the commit. */
export async function storeNotification(deps: InboxDependencies, event: ReceivedEvent<Tx>, userId: string, kind: StoredKind, notice: Notice): Promise<Notification> {
  const now = new Date();
  // Dated by the event that caused it: events handled in one batch share a clock millisecond,
  // and the inbox must still list "added" and "removed" in the order they happened.
  const row = await event.tx.notification.create({
    data: { id: randomUUID(), userId, kind, title: notice.title, body: notice.body, causeEventId: event.id, createdAt: event.time ?? now },
  });
  await deps.outbox.add(
    event.tx,
    NotificationDeliveredSchema,
    { notificationId: row.id, userId, kind: contractKind(kind), channel: DeliveryChannel.IN_APP, causeEventId: event.id, deliverTime: timestampFromDate(now) },
    { subject: userId, time: now },
  );
  deps.afterCommit.add(event.tx, () => deps.feed.publish(notificationMessage(row)));
  return row;
}

/** One page of `userId`'s notifications, newest first, and the cursor of the next page. */
export async function listNotifications(
  prisma: PrismaClient,
  userId: string,
  query: { pageSize: number; unreadOnly: boolean; after?: NotificationCursor },
): Promise<{ notifications: Notification[]; next?: NotificationCursor }> {
  const { after } = query;
  const rows = await prisma.notification.findMany({
    where: {
      userId,
      ...(query.unreadOnly && { readAt: null }),
      ...(after && { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.pageSize + 1,
  });
  const notifications = rows.slice(0, query.pageSize);
  const last = notifications.at(-1);
  return { notifications, next: rows.length > query.pageSize && last ? { createdAt: last.createdAt, id: last.id } : undefined };
}

/**
 * Marks `userId`'s notification `id` read (keeping the first read time when marked again).
 * Someone else's notification is NOT_FOUND, exactly like a missing one.
 */
export async function markRead(prisma: PrismaClient, userId: string, id: string): Promise<Notification> {
  await prisma.notification.updateMany({ where: { id, userId, readAt: null }, data: { readAt: new Date() } });
  const row = await prisma.notification.findFirst({ where: { id, userId } });
  if (!row) throw domainError(Code.NotFound, "NOTIFICATION_NOT_FOUND", "no such notification", { notification_id: id });
  return row;
}
