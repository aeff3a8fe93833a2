// Auth's side of the event backbone: it only publishes, so it joins and relays its outbox.
import { ServiceEvents } from "@junction/platform/events/index";
import type { ServiceRuntime } from "@junction/platform/service-runtime";

/** Prepares the outbox and starts relaying it; stops with the server. */
export async function startEventPublishing(runtime: ServiceRuntime): Promise<void> {
  const events = await ServiceEvents.join(runtime);
  await events.startRelay();
}
