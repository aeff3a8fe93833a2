// Notifications' side of the event backbone: the event tables in its database, the relay
// publishing notifications.notification.delivered, one consumer each of auth's and orgs'
// streams, and the NATS connection the live feed shares.
import { connectNats, EventConsumer, EventNamespace, eventsConfig, migrateEventTables, OutboxRelay, provisionEvents, type ConsumerSettings } from "@junction/platform/events/index";
import { natsReadiness } from "@junction/platform/readiness";
import type { ServiceRuntime } from "@junction/platform/service-runtime";
import type { NatsConnection } from "nats";
import type { NotificationsContext } from "./context.js";
import { handleAuthEvents, handleOrgsEvents } from "./event-handlers.js";
import type { Prisma } from "./generated/prisma/client.js";

/** The NATS connection and namespace of this process, ready for publishing and consuming. */
export async function connectEvents(runtime: ServiceRuntime): Promise<{ nats: NatsConnection; namespace: EventNamespace }> {
  const config = eventsConfig(runtime.env);
  const namespace = new EventNamespace(config.prefix);
  await migrateEventTables(runtime.config.databaseUrl, runtime.logger);
  const nats = await connectNats({ url: config.natsUrl, name: "notifications", logger: runtime.logger });
  runtime.onShutdown(() => nats.drain());
  runtime.readiness.push(natsReadiness(nats));
  await provisionEvents(await nats.jetstreamManager(), { namespace });
  return { nats, namespace };
}

/** Starts relaying the outbox and consuming auth's and orgs' events; all stop with the server. */
export async function startEvents(
  runtime: ServiceRuntime,
  ctx: NotificationsContext,
  events: { nats: NatsConnection; namespace: EventNamespace },
  settings?: Partial<ConsumerSettings>,
): Promise<void> {
  const { nats, namespace } = events;
  const relay = new OutboxRelay({ service: "notifications", databaseUrl: runtime.config.databaseUrl, nats, namespace, logger: runtime.logger });
  await relay.start();
  runtime.onShutdown(() => relay.stop());

  const streams = { auth: handleAuthEvents, orgs: handleOrgsEvents };
  for (const [stream, handle] of Object.entries(streams)) {
    const consumer = new EventConsumer<Prisma.TransactionClient>({
      consumer: "notifications",
      stream,
      nats,
      prisma: ctx.afterCommit.runner,
      namespace,
      settings,
      logger: runtime.logger,
    });
    handle(consumer, ctx);
    await consumer.start();
    runtime.onShutdown(() => consumer.stop());
  }
}
