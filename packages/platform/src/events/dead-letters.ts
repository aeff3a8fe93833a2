// The dead-letter stream: deliveries no handler could process, kept with their original
// headers and body plus why they failed, until an operator replays them. Replay publishes
// the original event again under a new Nats-Msg-Id (so JetStream does not drop it as a
// duplicate) but the same ce-id (so every consumer's inbox still recognises it).
import { randomUUID } from "node:crypto";
import { headers, Match, type JetStreamClient, type JsMsg, type MsgHdrs, type NatsConnection, type StoredMsg } from "nats";
import { EventNamespace } from "./namespace.js";
import { apiErrorCode } from "./provisioning.js";

/** Headers a dead letter carries on top of the original message's. */
export const DEAD_LETTER_HEADERS = {
  error: "dlq-error",
  consumer: "dlq-consumer",
  stream: "dlq-stream",
  streamSequence: "dlq-stream-seq",
  deliveries: "dlq-deliveries",
  subject: "dlq-subject",
  time: "dlq-time",
} as const;

const REPLAYED_FROM = "dlq-replayed-from";
const decoder = new TextDecoder();

/** Why a delivery is dead. */
export interface DeadLetterCause {
  consumer: string;
  /** The event type, for the dead letter's subject. */
  type: string;
  error: string;
}

/**
 * Copies a delivery that failed for good into the dead-letter stream with its original headers
 * and body and the cause; returns the dead letter's sequence. Publishing it twice stores it once.
 */
export async function storeDeadLetter(js: JetStreamClient, namespace: EventNamespace, msg: JsMsg, cause: DeadLetterCause): Promise<number> {
  const h = headers();
  copyHeaders(msg.headers, h, (name) => !isJetStreamControl(name));
  // Header values are one line; keep the first part of long messages.
  h.set(DEAD_LETTER_HEADERS.error, cause.error.replace(/[\r\n]+/g, " ").slice(0, 1024) || "unknown error");
  h.set(DEAD_LETTER_HEADERS.consumer, cause.consumer);
  h.set(DEAD_LETTER_HEADERS.stream, msg.info.stream);
  h.set(DEAD_LETTER_HEADERS.streamSequence, String(msg.info.streamSequence));
  h.set(DEAD_LETTER_HEADERS.deliveries, String(msg.info.deliveryCount));
  h.set(DEAD_LETTER_HEADERS.subject, msg.subject);
  h.set(DEAD_LETTER_HEADERS.time, new Date().toISOString());
  const ack = await js.publish(namespace.deadLetterSubject(cause.consumer, cause.type), msg.data, {
    headers: h,
    msgID: `${msg.info.stream}:${msg.info.streamSequence}:${cause.consumer}`,
    expect: { streamName: namespace.deadLetterStream },
  });
  return ack.seq;
}

/** One dead letter as stored. */
export interface DeadLetter {
  /** Its sequence in the dead-letter stream: what `show` and `replay` take. */
  seq: number;
  /** When it was dead-lettered. */
  time: Date;
  consumer: string;
  /** The stream and sequence of the original message. */
  stream: string;
  streamSequence: number;
  deliveries: number;
  error: string;
  /** The subject to replay to. */
  originalSubject: string;
  eventId?: string;
  type?: string;
  /** All headers, original and dead-letter ones. */
  headers: Array<[string, string]>;
  /** The original body. */
  data: string;
}

/** The result of replaying one dead letter. */
export interface Replayed {
  seq: number;
  subject: string;
  eventId?: string;
  /** The replayed message's sequence in its original stream. */
  streamSequence: number;
  /** Whether the dead letter was removed. */
  removed: boolean;
}

/** Lists, inspects and replays the dead-letter stream of a namespace. */
export class DeadLetters {
  private readonly js: JetStreamClient;

  constructor(
    private readonly nats: NatsConnection,
    readonly namespace: EventNamespace = EventNamespace.root,
  ) {
    this.js = nats.jetstream();
  }

  /** Dead letters oldest first, optionally only `consumer`'s, at most `limit`. */
  async list(options: { consumer?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const jsm = await this.nats.jetstreamManager();
    const { state } = await jsm.streams.info(this.namespace.deadLetterStream).catch((error: unknown) => {
      if (apiErrorCode(error) !== 10059) throw error;
      throw new Error(`there is no dead-letter stream ${this.namespace.deadLetterStream}; create it with: npm run events -- provision`, { cause: error });
    });
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const out: DeadLetter[] = [];
    if (state.messages === 0) return out;
    for (let seq = state.first_seq; seq <= state.last_seq && out.length < limit; seq++) {
      const letter = (await this.find(seq))?.letter;
      if (letter && (!options.consumer || letter.consumer === options.consumer)) out.push(letter);
    }
    return out;
  }

  /** The dead letter with sequence `seq`; rejects when there is none. */
  async get(seq: number): Promise<DeadLetter> {
    const found = await this.find(seq);
    if (!found) throw new Error(`no dead letter ${seq} in ${this.namespace.deadLetterStream}`);
    return found.letter;
  }

  /**
   * Publishes dead letter `seq` to its original subject (new Nats-Msg-Id, same ce-id), then
   * removes it unless `keep`. Consumers that handled the event before skip it via their inbox.
   */
  async replay(seq: number, options: { keep?: boolean } = {}): Promise<Replayed> {
    const found = await this.find(seq);
    if (!found) throw new Error(`no dead letter ${seq} in ${this.namespace.deadLetterStream}`);
    const { letter, raw } = found;
    const h = headers();
    copyHeaders(raw, h, (name) => !isJetStreamControl(name) && !name.toLowerCase().startsWith("dlq-"));
    h.set(REPLAYED_FROM, `${this.namespace.deadLetterStream}:${seq}`);
    const ack = await this.js.publish(letter.originalSubject, new TextEncoder().encode(letter.data), {
      headers: h,
      msgID: randomUUID(),
      expect: letter.stream ? { streamName: letter.stream } : undefined,
    });
    let removed = false;
    if (!options.keep) {
      const jsm = await this.nats.jetstreamManager();
      removed = await jsm.streams.deleteMessage(this.namespace.deadLetterStream, seq, false);
    }
    return { seq, subject: letter.originalSubject, eventId: letter.eventId, streamSequence: ack.seq, removed };
  }

  /** Replays every dead letter (or only `consumer`'s), oldest first. */
  async replayAll(options: { consumer?: string; keep?: boolean } = {}): Promise<Replayed[]> {
    const results: Replayed[] = [];
    for (const letter of await this.list({ consumer: options.consumer })) results.push(await this.replay(letter.seq, options));
    return results;
  }

  private async find(seq: number): Promise<{ letter: DeadLetter; raw: MsgHdrs } | undefined> {
    const jsm = await this.nats.jetstreamManager();
    let stored: StoredMsg;
    try {
      stored = await jsm.streams.getMessage(this.namespace.deadLetterStream, { seq });
    } catch (error) {
      // 10037: no message at that sequence (replayed, or never there).
      if (apiErrorCode(error) === 10037) return undefined;
      throw error;
    }
    const h = stored.header;
    const get = (name: string) => (h?.has(name, Match.IgnoreCase) ? h.get(name, Match.IgnoreCase) : "");
    const all: Array<[string, string]> = [];
    for (const name of h?.keys() ?? []) for (const value of h.values(name)) all.push([name, value]);
    const letter: DeadLetter = {
      seq: stored.seq,
      time: stored.time,
      consumer: get(DEAD_LETTER_HEADERS.consumer),
      stream: get(DEAD_LETTER_HEADERS.stream),
      streamSequence: Number(get(DEAD_LETTER_HEADERS.streamSequence)),
      deliveries: Number(get(DEAD_LETTER_HEADERS.deliveries)),
      error: get(DEAD_LETTER_HEADERS.error),
      originalSubject: get(DEAD_LETTER_HEADERS.subject),
      eventId: get("ce-id") || undefined,
      type: get("ce-type") || undefined,
      headers: all,
      data: decoder.decode(stored.data),
    };
    return { letter, raw: h };
  }
}

// Nats-Msg-Id, Nats-Expected-Stream and the like steer one publish; copied along they would
// make the next publish a "duplicate" or aim it at the wrong stream.
function isJetStreamControl(name: string): boolean {
  return name.toLowerCase().startsWith("nats-");
}

function copyHeaders(from: MsgHdrs | undefined, to: MsgHdrs, keep: (name: string) => boolean): void {
  for (const name of from?.keys() ?? []) {
    if (!keep(name)) continue;
    for (const value of from!.values(name)) to.append(name, value);
  }
}
