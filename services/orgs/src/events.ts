// Orgs' side of the event backbone: the relay publishing orgs.* events from its outbox, and
// its consumer of auth's stream (account deactivation).
import { UserDeactivatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { ServiceEvents, type ConsumerSettings } from "@junction/platform/events/index";
import type { ServiceRuntime } from "@junction/platform/service-runtime";
import type { OrgsContext } from "./context.js";
import { onUserDeactivated } from "./event-handlers.js";
import type { Prisma } from "./generated/prisma/client.js";

/** Starts relaying the outbox and consuming auth's events; all stop with the server. */
export async function startEvents(runtime: ServiceRuntime, ctx: OrgsContext, settings?: Partial<ConsumerSettings>): Promise<void> {
  const events = await ServiceEvents.join(runtime);
  await events.startRelay();
  await events.consume<Prisma.TransactionClient>(
    "auth",
    ctx.prisma,
    (consumer) => consumer.on(UserDeactivatedSchema, (event, received) => onUserDeactivated(ctx, received.tx, event)),
    // Its handler writes only through the transaction (events go to the outbox): safe to batch.
    { settings, batchSize: 32 },
  );
}
