// Auth's side of the event backbone: the event tables in its database, its stream, and the relay
// that publishes what the domain wrote to the outbox.
import { connectNats, EventNamespace, eventsConfig, migrateEventTables, OutboxRelay, provisionEvents } from "@junction/platform/events/index";
import { natsReadiness } from "@junction/platform/readiness";
import type { ServiceRuntime } from "@junction/platform/service-runtime";

/** Prepares the outbox and starts relaying it; stops with the server. */
export async function startEventPublishing(runtime: ServiceRuntime): Promise<void> {
  const config = eventsConfig(runtime.env);
  const namespace = new EventNamespace(config.prefix);
  await migrateEventTables(runtime.config.databaseUrl, runtime.logger);
  const nats = await connectNats({ url: config.natsUrl, name: "auth", logger: runtime.logger });
  runtime.onShutdown(() => nats.drain());
  runtime.readiness.push(natsReadiness(nats));
  await provisionEvents(await nats.jetstreamManager(), { namespace });
  const relay = new OutboxRelay({ service: "auth", databaseUrl: runtime.config.databaseUrl, nats, namespace, logger: runtime.logger });
  await relay.start();
  runtime.onShutdown(() => relay.stop());
}
