// Notifications' side of the event backbone: the relay publishing
// notifications.notification.delivered, and one consumer each of auth's and orgs' streams.
import type { ConsumerSettings, ServiceEvents } from "@junction/platform/events/index";
import type { NotificationsContext } from "./context.js";
import { handleAuthEvents, handleOrgsEvents } from "./event-handlers.js";
import type { Prisma } from "./generated/prisma/client.js";

/** Starts relaying the outbox and consuming auth's and orgs' events; all stop with the server. */
export async function startEvents(events: ServiceEvents, ctx: NotificationsContext, settings?: Partial<ConsumerSettings>): Promise<void> {
  await events.startRelay();
  // One delivery per transaction: handlers send email, which a batch retry would send twice.
  await events.consume<Prisma.TransactionClient>("auth", ctx.afterCommit.runner, (consumer) => handleAuthEvents(consumer, ctx), { settings });
  await events.consume<Prisma.TransactionClient>("orgs", ctx.afterCommit.runner, (consumer) => handleOrgsEvents(consumer, ctx), { settings });
}
