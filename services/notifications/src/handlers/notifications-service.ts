// NotificationsService: the caller's inbox and its live stream. Every RPC acts only on the
// notifications of the user in the access token.
import type { ServiceImpl } from "@connectrpc/connect";
import type { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { requireUser } from "@junction/platform";
import type { NotificationsContext } from "../context.js";
import { listNotifications, markRead } from "../in-app-inbox.js";
import { notificationMessage } from "../messages.js";
import { encodeCursor } from "../page-token.js";
import { validList, validMarkRead } from "../validation.js";

/** NotificationsService's handlers over `ctx`. */
export function notificationsServiceHandlers(ctx: NotificationsContext): Partial<ServiceImpl<typeof NotificationsService>> {
  return {
    async listNotifications(req, call) {
      const { userId } = requireUser(call);
      const query = validList(req, userId);
      const page = await listNotifications(ctx.prisma, userId, query);
      return {
        notifications: page.notifications.map(notificationMessage),
        nextPageToken: page.next ? encodeCursor(page.next, userId, query.unreadOnly) : "",
      };
    },
    async markRead(req, call) {
      const { userId } = requireUser(call);
      return { notification: notificationMessage(await markRead(ctx.prisma, userId, validMarkRead(req))) };
    },
    async *watchNotifications(_req, call) {
      const { userId } = requireUser(call);
      // Ends when the client goes away, the deadline passes (both abort call.signal) or the server shuts down.
      for await (const notification of ctx.feed.watch(userId, call.signal)) yield { notification };
    },
  };
}
