// Events in end-to-end tests: reading what a service published in the test's own event
// namespace (e.g. the verification token that would go out by email), and removing the
// namespace's streams afterwards.
import { fromJsonString, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { EventNamespace, eventsConfig, eventType, producerOf } from "@junction/platform";
import { connect, type NatsConnection } from "nats";

/** Connects to the NATS server the services of `env` use. */
export function connectTestNats(env: NodeJS.ProcessEnv): Promise<NatsConnection> {
  return connect({ servers: eventsConfig(env).natsUrl, name: "junction-e2e" });
}

/**
 * The first event of `schema` published in `env`'s namespace that satisfies `match`, read from
 * its stream from the beginning; fails after `timeoutMs`.
 */
export async function waitForEvent<D extends DescMessage>(
  env: NodeJS.ProcessEnv,
  schema: D,
  match: (message: MessageShape<D>) => boolean,
  timeoutMs = 10_000,
): Promise<MessageShape<D>> {
  const { prefix } = eventsConfig(env);
  const namespace = new EventNamespace(prefix);
  const type = eventType(schema);
  const nc = await connectTestNats(env);
  try {
    const js = nc.jetstream();
    const deadline = Date.now() + timeoutMs;
    // The stream appears when its producer starts; until then there is nothing to read.
    for (;;) {
      try {
        // An ordered consumer: ephemeral, from the start of the stream, gone when we close.
        const consumer = await js.consumers.get(namespace.stream(producerOf(type)), { filterSubjects: namespace.subject(type) });
        while (Date.now() < deadline) {
          const message = await consumer.next({ expires: Math.max(1000, Math.min(5000, deadline - Date.now())) });
          if (!message) continue;
          const event = fromJsonString(schema, message.string(), { ignoreUnknownFields: true });
          if (match(event)) return event;
        }
        break;
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`no ${type} event matched within ${timeoutMs} ms`);
  } finally {
    await nc.close();
  }
}

/** Deletes every stream of `env`'s event namespace; does nothing for the root namespace. */
export async function dropNamespaceStreams(env: NodeJS.ProcessEnv): Promise<void> {
  const { prefix } = eventsConfig(env);
  if (!prefix) return;
  const namespace = new EventNamespace(prefix);
  const nc = await connectTestNats(env).catch(() => undefined);
  if (!nc) return;
  try {
    const jsm = await nc.jetstreamManager();
    for await (const stream of jsm.streams.list()) {
      if (namespace.ownsStream(stream.config.name)) await jsm.streams.delete(stream.config.name).catch(() => false);
    }
  } finally {
    await nc.close();
  }
}
