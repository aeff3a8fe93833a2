// The users service's side of the event backbone: the event tables in its database, the relay
// publishing its own events (users.profile.updated), and its consumer of auth's stream.
import { connectNats, EventConsumer, EventNamespace, eventsConfig, migrateEventTables, OutboxRelay, provisionEvents } from "@junction/platform/events/index";
import { natsReadiness } from "@junction/platform/readiness";
import type { ServiceRuntime } from "@junction/platform/service-runtime";
import { AfterCommit } from "@junction/platform/events/after-commit";
import { handleAuthEvents, type ProfileEventTargets } from "./event-handlers.js";
import type { Prisma, PrismaClient } from "./generated/prisma/client.js";

/** Prepares the outbox, starts relaying it and starts consuming auth's events; all stop with the server. */
export async function startEvents(runtime: ServiceRuntime, prisma: PrismaClient, targets: Omit<ProfileEventTargets, "afterCommit">): Promise<void> {
  const config = eventsConfig(runtime.env);
  const namespace = new EventNamespace(config.prefix);
  await migrateEventTables(runtime.config.databaseUrl, runtime.logger);
  const nats = await connectNats({ url: config.natsUrl, name: "users", logger: runtime.logger });
  runtime.onShutdown(() => nats.drain());
  runtime.readiness.push(natsReadiness(nats));
  await provisionEvents(await nats.jetstreamManager(), { namespace });

  const relay = new OutboxRelay({ service: "users", databaseUrl: runtime.config.databaseUrl, nats, namespace, logger: runtime.logger });
  await relay.start();
  runtime.onShutdown(() => relay.stop());

  const afterCommit = new AfterCommit<Prisma.TransactionClient>(prisma);
  const consumer = new EventConsumer<Prisma.TransactionClient>({
    consumer: "users",
    stream: "auth",
    nats,
    prisma: afterCommit.runner,
    namespace,
    logger: runtime.logger,
  });
  handleAuthEvents(consumer, { ...targets, afterCommit });
  await consumer.start();
  runtime.onShutdown(() => consumer.stop());
}
