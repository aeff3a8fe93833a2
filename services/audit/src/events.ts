// Audit's side of the event backbone: one durable consumer per producing stream, each
// recording every event type of its stream. Audit publishes nothing, so it runs no relay.
import { junctionTopology, ServiceEvents, type ConsumerSettings } from "@junction/platform/events/index";
import type { ServiceRuntime } from "@junction/platform/service-runtime";
import { recordEventsOf } from "./event-recorder.js";
import type { Prisma, PrismaClient } from "./generated/prisma/client.js";

/** Starts consuming every stream audit reads (ARCHITECTURE.md: every domain subject); all stop with the server. */
export async function startRecording(runtime: ServiceRuntime, prisma: PrismaClient, settings?: Partial<ConsumerSettings>): Promise<void> {
  const events = await ServiceEvents.join(runtime);
  const streams = junctionTopology.consumers.find((c) => c.service === "audit")?.streams ?? [];
  for (const stream of streams) {
    // Recording writes only through the transaction: safe to batch.
    await events.consume<Prisma.TransactionClient>(stream, prisma, (consumer) => recordEventsOf(consumer, stream), { settings, batchSize: 32 });
  }
}
