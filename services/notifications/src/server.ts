// Starts the notifications service: NotificationsService on one port, the consumers that turn
// auth's and orgs' events into emails and in-app notifications, and the live feed behind
// WatchNotifications.
import { fileURLToPath } from "node:url";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { defaultConsumerSettings, Outbox, ServiceEvents, type ConsumerSettings } from "@junction/platform/events/index";
import { bind, type ServiceServer } from "@junction/platform/server/service-server";
import { ServiceRuntime, type ServiceStartOptions } from "@junction/platform/service-runtime";
import { AfterCommit } from "@junction/platform/events/after-commit";
import { notificationsConfig } from "./config.js";
import type { NotificationsContext } from "./context.js";
import { Mailer } from "./email/mailer.js";
import { mailTransport } from "./email/mail-transport.js";
import { startEvents } from "./events.js";
import { PrismaClient, type Prisma } from "./generated/prisma/client.js";
import { notificationsServiceHandlers } from "./handlers/notifications-service.js";
import { LiveFeed } from "./live-feed.js";
import { RecipientDirectory } from "./recipients.js";

/** Notifications' SQL migrations (Prisma layout). */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/** How to start notifications; everything else comes from the environment. */
export interface NotificationsOptions extends ServiceStartOptions {
  /** Redelivery policy of the consumers (and so of email retries); the platform's by default. */
  consumerSettings?: Partial<ConsumerSettings>;
}

/** A running notifications service. */
export interface NotificationsServer extends ServiceServer {
  /** The domain behind it, for tests and tools. */
  readonly context: NotificationsContext;
}

/** Starts notifications and resolves once it listens; fails with a message naming an unreachable dependency. */
export async function startNotifications(options: NotificationsOptions = {}): Promise<NotificationsServer> {
  const runtime = ServiceRuntime.create({ name: "notifications", env: options.env, logger: options.logger });
  try {
    const config = notificationsConfig(runtime.env);
    const prisma = await runtime.database(PrismaClient, MIGRATIONS_DIR);
    const transport = await mailTransport(config, runtime.logger);
    runtime.onShutdown(() => transport.close());
    const events = await ServiceEvents.join(runtime);
    const outbox = new Outbox("notifications");
    const settings = { ...defaultConsumerSettings, ...options.consumerSettings };
    const ctx: NotificationsContext = {
      config,
      prisma,
      outbox,
      afterCommit: new AfterCommit<Prisma.TransactionClient>(prisma),
      mailer: new Mailer({ prisma, transport, outbox, from: config.mailFrom, maxDeliver: settings.maxDeliver, logger: runtime.logger }),
      recipients: new RecipientDirectory(runtime.client(InternalAuthService)),
      feed: new LiveFeed(events.nats, events.namespace, runtime.logger),
      logger: runtime.logger,
    };
    await startEvents(events, ctx, settings);
    const server = await runtime.serve([bind(NotificationsService, notificationsServiceHandlers(ctx))]);
    const close = server.close;
    // Live streams would otherwise hold the shutdown for its whole grace period.
    return Object.assign(server, {
      context: ctx,
      close: () => {
        ctx.feed.close();
        return close();
      },
    });
  } catch (error) {
    // Nothing half-open stays behind: pools and connections opened so far are closed.
    await runtime.abandon();
    throw error;
  }
}
