// Orgs' side of the event backbone: the event tables in its database, the relay publishing
// orgs.* events from its outbox, and its consumer of auth's stream (account deactivation).
import { UserDeactivatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { connectNats, EventConsumer, EventNamespace, eventsConfig, migrateEventTables, OutboxRelay, provisionEvents, type ConsumerSettings } from "@junction/platform/events/index";
import { natsReadiness } from "@junction/platform/readiness";
import type { ServiceRuntime } from "@junction/platform/service-runtime";
import type { OrgsContext } from "./context.js";
import { onUserDeactivated } from "./event-handlers.js";
import type { Prisma } from "./generated/prisma/client.js";

/** Prepares the outbox, starts relaying it and consuming auth's events; all stop with the server. */
export async function startEvents(runtime: ServiceRuntime, ctx: OrgsContext, settings?: Partial<ConsumerSettings>): Promise<void> {
  const config = eventsConfig(runtime.env);
  const namespace = new EventNamespace(config.prefix);
  await migrateEventTables(runtime.config.databaseUrl, runtime.logger);
  const nats = await connectNats({ url: config.natsUrl, name: "orgs", logger: runtime.logger });
  runtime.onShutdown(() => nats.drain());
  runtime.readiness.push(natsReadiness(nats));
  await provisionEvents(await nats.jetstreamManager(), { namespace });

  const relay = new OutboxRelay({ service: "orgs", databaseUrl: runtime.config.databaseUrl, nats, namespace, logger: runtime.logger });
  await relay.start();
  runtime.onShutdown(() => relay.stop());

  const consumer = new EventConsumer<Prisma.TransactionClient>({
    consumer: "orgs",
    stream: "auth",
    nats,
    prisma: ctx.prisma,
    namespace,
    settings,
    logger: runtime.logger,
  }).on(UserDeactivatedSchema, (event, received) => onUserDeactivated(ctx, received.tx, event));
  await consumer.start();
  runtime.onShutdown(() => consumer.stop());
}
