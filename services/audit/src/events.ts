// Audit's side of the event backbone: the inbox table in its database and one durable
// consumer per producing stream, each recording every event type of its stream.
import { connectNats, EventConsumer, EventNamespace, eventsConfig, junctionTopology, migrateEventTables, provisionEvents, type ConsumerSettings } from "@junction/platform/events/index";
import type { ServiceRuntime } from "@junction/platform/service-runtime";
import { natsReadiness } from "@junction/platform/readiness";
import { recordEventsOf } from "./event-recorder.js";
import type { Prisma, PrismaClient } from "./generated/prisma/client.js";

/** Starts consuming every stream audit reads (ARCHITECTURE.md: every domain subject); all stop with the server. */
export async function startRecording(runtime: ServiceRuntime, prisma: PrismaClient, settings?: Partial<ConsumerSettings>): Promise<void> {
  const config = eventsConfig(runtime.env);
  const namespace = new EventNamespace(config.prefix);
  await migrateEventTables(runtime.config.databaseUrl, runtime.logger);
  const nats = await connectNats({ url: config.natsUrl, name: "audit", logger: runtime.logger });
  runtime.onShutdown(() => nats.drain());
  runtime.readiness.push(natsReadiness(nats));
  await provisionEvents(await nats.jetstreamManager(), { namespace });
  const streams = junctionTopology.consumers.find((c) => c.service === "audit")?.streams ?? [];
  for (const stream of streams) {
    const consumer = new EventConsumer<Prisma.TransactionClient>({ consumer: "audit", stream, nats, prisma, namespace, settings, logger: runtime.logger });
    recordEventsOf(consumer, stream);
    await consumer.start();
    runtime.onShutdown(() => consumer.stop());
  }
}
