// Every event stored in a test namespace's streams, read message by message (NATS 2.9 has no
// multi-filter consumers), for comparing what was published with what a consumer recorded.
import { EventNamespace, eventsConfig, fromNatsHeaders } from "@junction/platform";
import type { NatsConnection } from "nats";

/** One stored event: its stream, sequence, id and type. */
export interface StoredEvent {
  readonly stream: string;
  readonly seq: number;
  readonly id: string;
  readonly type: string;
}

/** The events of `services`' streams in `env`'s namespace, each stream in sequence order. */
export async function storedEvents(nc: NatsConnection, env: NodeJS.ProcessEnv, services: readonly string[]): Promise<StoredEvent[]> {
  const namespace = new EventNamespace(eventsConfig(env).prefix);
  const jsm = await nc.jetstreamManager();
  const out: StoredEvent[] = [];
  for (const service of services) {
    const stream = namespace.stream(service);
    const { state } = await jsm.streams.info(stream);
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (!message) continue;
      const envelope = fromNatsHeaders(message.header);
      out.push({ stream: service, seq, id: envelope.id, type: envelope.type });
    }
  }
  return out;
}

/** Resolves once `consumer` has acknowledged everything in `service`'s stream up to now. */
export async function consumerCaughtUp(nc: NatsConnection, env: NodeJS.ProcessEnv, service: string, consumer: string): Promise<boolean> {
  const namespace = new EventNamespace(eventsConfig(env).prefix);
  const jsm = await nc.jetstreamManager();
  const stream = namespace.stream(service);
  const [{ state }, info] = await Promise.all([jsm.streams.info(stream), jsm.consumers.info(stream, consumer)]);
  return info.ack_floor.stream_seq >= state.last_seq && info.num_ack_pending === 0 && info.num_pending === 0;
}
