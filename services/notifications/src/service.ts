// The notifications service: turns auth's and orgs' events into emails and in-app
// notifications, keeps each user's inbox, and pushes new ones live to WatchNotifications
// streams. Serves NotificationsService and publishes notifications.notification.delivered.
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { AfterCommit, bind, defineService, type ServiceHost, subscribe } from "@junction/platform";
import { notificationsConfig } from "./config.js";
import type { NotificationsContext } from "./context.js";
import { Mailer } from "./email/mailer.js";
import { mailTransport } from "./email/mail-transport.js";
import { handleAuthEvents, handleOrgsEvents } from "./event-handlers.js";
import { PrismaClient, type Prisma } from "./generated/prisma/client.js";
import { notificationsServiceHandlers } from "./handlers/notifications-service.js";
import { LiveFeed } from "./live-feed.js";
import { RecipientDirectory } from "./recipients.js";

async function notificationsDomain(host: ServiceHost<PrismaClient>): Promise<NotificationsContext> {
  const config = notificationsConfig(host.env);
  const prisma = host.database;
  const transport = await mailTransport(config, host.logger);
  host.onShutdown(() => transport.close());
  const outbox = host.outbox;
  return {
    config,
    prisma,
    outbox,
    afterCommit: new AfterCommit<Prisma.TransactionClient>(prisma),
    mailer: new Mailer({ prisma, transport, outbox, from: config.mailFrom, maxDeliver: host.consumerSettings.maxDeliver, logger: host.logger }),
    recipients: new RecipientDirectory(host.client(InternalAuthService)),
    feed: new LiveFeed(host.events.nats, host.events.namespace, host.logger),
    logger: host.logger,
  };
}

// One delivery per transaction: handlers send email, which a batch retry would send twice.
const oneByOne = (register: (consumer: Parameters<typeof handleAuthEvents>[0], ctx: NotificationsContext) => unknown) =>
  subscribe<NotificationsContext, Prisma.TransactionClient>({ register: (consumer, ctx) => void register(consumer, ctx), transactions: (ctx) => ctx.afterCommit.runner });

/** The notifications service, as the runtime hosts it. */
export const notificationsService = defineService<NotificationsContext, PrismaClient>({
  name: "notifications",
  database: { client: PrismaClient, migrations: new URL("../prisma/migrations", import.meta.url) },
  domain: notificationsDomain,
  consumes: { auth: oneByOne(handleAuthEvents), orgs: oneByOne(handleOrgsEvents) },
  rpcs: (ctx) => [bind(NotificationsService, notificationsServiceHandlers(ctx))],
  // Live streams would otherwise hold the shutdown for its whole grace period.
  beforeStop: (ctx) => ctx.feed.close(),
});
