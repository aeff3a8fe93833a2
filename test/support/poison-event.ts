// A poison event: a proper CloudEvent of type auth.user.created on the AUTH stream whose body
// no handler can decode. Every consumer with a handler for the type must dead-letter it on its
// first delivery (no retry can fix it) and go on with the events behind it; a consumer without
// a handler skips it. Also the dead-letter stream as the operator sees it, and its replay.
import { randomUUID } from "node:crypto";
import { DeadLetters, type DeadLetter, EventNamespace, eventsConfig, toNatsHeaders } from "@junction/platform";
import { connectTestNats } from "./events.js";

/** Publishes the poison event into `env`'s AUTH stream; resolves with its ce-id once stored. */
export async function publishPoisonEvent(env: NodeJS.ProcessEnv): Promise<string> {
  const namespace = new EventNamespace(eventsConfig(env).prefix);
  const id = randomUUID();
  const nc = await connectTestNats(env);
  try {
    const h = toNatsHeaders({ id, type: "auth.user.created", source: "junction/auth", time: new Date().toISOString(), subject: id, dataContentType: "application/json" });
    await nc.jetstream().publish(namespace.subject("auth.user.created"), new TextEncoder().encode('{"userId": "not json'), { headers: h, msgID: id });
    return id;
  } finally {
    await nc.close();
  }
}

/** Every dead letter of `env`'s namespace, oldest first. */
export async function deadLetters(env: NodeJS.ProcessEnv): Promise<DeadLetter[]> {
  return withDeadLetters(env, (letters) => letters.list());
}

/** Replays every dead letter to the consumer that failed; resolves with how many were replayed. */
export async function replayDeadLetters(env: NodeJS.ProcessEnv): Promise<number> {
  return withDeadLetters(env, async (letters) => (await letters.replayAll()).length);
}

async function withDeadLetters<T>(env: NodeJS.ProcessEnv, use: (letters: DeadLetters) => Promise<T>): Promise<T> {
  const nc = await connectTestNats(env);
  try {
    return await use(new DeadLetters(nc, new EventNamespace(eventsConfig(env).prefix)));
  } finally {
    await nc.close();
  }
}
