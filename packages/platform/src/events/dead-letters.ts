// The operator's side of the dead-letter stream: list, inspect and replay. A replay goes to the
// consumer that failed, only: it is published into the event's own stream on that consumer's
// replay subject (`replay.<consumer>.<type>`), under a new Nats-Msg-Id (so JetStream does not
// drop it as a duplicate) but the same ce-id (so the consumer's inbox still recognises it).
import { randomUUID } from "node:crypto";
import { headers, Match, type JetStreamClient, type MsgHdrs, type NatsConnection, type StoredMsg } from "nats";
import { copyHeaders, DEAD_LETTER_HEADERS, isJetStreamControl } from "./dead-letter-store.js";
import { EventNamespace } from "./namespace.js";
import { apiErrorCode } from "./provisioning.js";

const REPLAYED_FROM = "dlq-replayed-from";
const decoder = new TextDecoder();

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
  /** The event's subject (a replay goes to the consumer's replay subject for it). */
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
  /** The consumer it was replayed to. */
  consumer: string;
  /** The replay subject it was published on. */
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
   * Publishes dead letter `seq` to the consumer that dead-lettered it, alone (new Nats-Msg-Id,
   * same ce-id), then removes it unless `keep`. If that consumer handled the event meanwhile,
   * its inbox skips the replay.
   */
  async replay(seq: number, options: { keep?: boolean } = {}): Promise<Replayed> {
    const found = await this.find(seq);
    if (!found) throw new Error(`no dead letter ${seq} in ${this.namespace.deadLetterStream}`);
    const { letter, raw } = found;
    const h = headers();
    copyHeaders(raw, h, (name) => !isJetStreamControl(name) && !name.toLowerCase().startsWith("dlq-"));
    h.set(REPLAYED_FROM, `${this.namespace.deadLetterStream}:${seq}`);
    const subject = this.namespace.replaySubject(letter.consumer, letter.type ?? this.namespace.typeOf(letter.originalSubject));
    const ack = await this.js
      .publish(subject, new TextEncoder().encode(letter.data), { headers: h, msgID: randomUUID(), expect: letter.stream ? { streamName: letter.stream } : undefined })
      .catch((error: unknown) => {
        // 503: no stream captures the replay subject (provisioned before replays had their own subjects).
        if ((error as { code?: string }).code === "503") {
          throw new Error(`stream ${letter.stream} does not capture ${subject}; update it with: npm run events -- provision`, { cause: error });
        }
        throw error;
      });
    let removed = false;
    if (!options.keep) {
      const jsm = await this.nats.jetstreamManager();
      removed = await jsm.streams.deleteMessage(this.namespace.deadLetterStream, seq, false);
    }
    return { seq, consumer: letter.consumer, subject, eventId: letter.eventId, streamSequence: ack.seq, removed };
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
