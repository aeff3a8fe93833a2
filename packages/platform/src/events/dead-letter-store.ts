// The consumer's side of the dead-letter stream: a delivery that failed for good is copied there
// with its original headers and body plus why it failed, then terminated in its own stream.
import { headers, type JetStreamClient, type JsMsg, type MsgHdrs } from "nats";
import type { Logger } from "../logger.js";
import { describeError } from "../failure-kind.js";
import type { EventNamespace } from "./namespace.js";
import { settle } from "./settle.js";

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

// Long errors (Prisma's name the invocation first and the reason last) keep both ends.
const ERROR_HEAD = 1024;
const ERROR_TAIL = 3072;

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
  h.set(DEAD_LETTER_HEADERS.error, oneLine(cause.error) || "unknown error");
  h.set(DEAD_LETTER_HEADERS.consumer, cause.consumer);
  h.set(DEAD_LETTER_HEADERS.stream, msg.info.stream);
  h.set(DEAD_LETTER_HEADERS.streamSequence, String(msg.info.streamSequence));
  h.set(DEAD_LETTER_HEADERS.deliveries, String(msg.info.deliveryCount));
  // The event's own subject, also for a replay that failed again.
  h.set(DEAD_LETTER_HEADERS.subject, namespace.subject(namespace.typeOf(msg.subject)));
  h.set(DEAD_LETTER_HEADERS.time, new Date().toISOString());
  const ack = await js.publish(namespace.deadLetterSubject(cause.consumer, cause.type), msg.data, {
    headers: h,
    msgID: `${msg.info.stream}:${msg.info.streamSequence}:${cause.consumer}`,
    expect: { streamName: namespace.deadLetterStream },
  });
  return ack.seq;
}

/** One consumer's way into the dead-letter stream, retrying briefly when it cannot be written. */
export class DeadLetterStore {
  constructor(
    private readonly js: JetStreamClient,
    private readonly namespace: EventNamespace,
    private readonly consumer: string,
    private readonly logger: Logger,
  ) {}

  /** Stores `msg` as a dead letter and terminates it; undefined when the stream could not be written (three tries). */
  async park(msg: JsMsg, type: string, error: unknown): Promise<number | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const seq = await storeDeadLetter(this.js, this.namespace, msg, { consumer: this.consumer, type, error: describeError(error) });
        settle(() => msg.term(), this.logger);
        return seq;
      } catch (dlqError) {
        if (attempt >= 3) {
          this.logger.error({ type, streamSequence: msg.info.streamSequence, dlqError: describeError(dlqError) }, "cannot store the dead letter");
          return undefined;
        }
        settle(() => msg.working(), this.logger);
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }
}

/** Copies the headers of `from` that `keep` accepts onto `to`. */
export function copyHeaders(from: MsgHdrs | undefined, to: MsgHdrs, keep: (name: string) => boolean): void {
  for (const name of from?.keys() ?? []) {
    if (!keep(name)) continue;
    for (const value of from!.values(name)) to.append(name, value);
  }
}

/**
 * Nats-Msg-Id, Nats-Expected-Stream and the like steer one publish; copied along they would
 * make the next publish a "duplicate" or aim it at the wrong stream.
 */
export function isJetStreamControl(name: string): boolean {
  return name.toLowerCase().startsWith("nats-");
}

function oneLine(error: string): string {
  const text = error.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return text.length <= ERROR_HEAD + ERROR_TAIL ? text : `${text.slice(0, ERROR_HEAD)} … ${text.slice(-ERROR_TAIL)}`;
}
