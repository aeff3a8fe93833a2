// The users service's side of the event backbone: the relay publishing its own events
// (users.profile.updated), and its consumer of auth's stream.
import { AfterCommit } from "@junction/platform/events/after-commit";
import { ServiceEvents } from "@junction/platform/events/index";
import type { ServiceRuntime } from "@junction/platform/service-runtime";
import { handleAuthEvents, type ProfileEventTargets } from "./event-handlers.js";
import type { Prisma, PrismaClient } from "./generated/prisma/client.js";

/** Starts relaying the outbox and consuming auth's events; all stop with the server. */
export async function startEvents(runtime: ServiceRuntime, prisma: PrismaClient, targets: Omit<ProfileEventTargets, "afterCommit">): Promise<void> {
  const events = await ServiceEvents.join(runtime);
  await events.startRelay();
  const afterCommit = new AfterCommit<Prisma.TransactionClient>(prisma);
  // Handlers write only through the transaction (cache drops run after commit): safe to batch.
  await events.consume<Prisma.TransactionClient>("auth", afterCommit.runner, (consumer) => handleAuthEvents(consumer, { ...targets, afterCommit }), {
    batchSize: 32,
  });
}
