// Junction's policy for a batch of deliveries (a single delivery is a batch of one): what no
// attempt can fix is dead-lettered at once, unhandled types are skipped, the rest run in one
// transaction and are acked after its commit. A batch that fails is handled again one delivery
// at a time, so a bad event is retried or dead-lettered alone; an infrastructure failure stops
// processing and hands the deliveries left back to the caller, which pauses.
import type { JsMsg } from "nats";
import type { Logger } from "../logger.js";
import type { DeadLetterStore } from "./dead-letter-store.js";
import { fromNatsHeaders } from "./envelope.js";
import type { EventHandlers } from "./event-handlers.js";
import type { EventTransaction, RunnableDelivery } from "./event-transaction.js";
import { describeError, failureKind } from "../failure-kind.js";
import type { Leases } from "./leases.js";
import { eventHandlerDuration, eventsConsumed, eventsDeadLettered, eventsDuplicatesSkipped, eventsRedelivered, eventTransactionDuration } from "./metrics.js";
import type { EventNamespace } from "./namespace.js";
import type { SqlTransaction } from "./outbox.js";
import type { RedeliveryPolicy } from "./redelivery-policy.js";
import { settle } from "./settle.js";
import { inDeadLetterSpan } from "./delivery-trace.js";

type Outcome = "handled" | "duplicate" | "skipped" | "retried" | "dead_lettered";

/** Deliveries not processed because a dependency did not answer, in order, and why. */
export interface Unfinished {
  readonly left: JsMsg[];
  readonly cause: unknown;
}

/** The spare delivery of an event whose last attempt never reported back. */
class AttemptsExhaustedError extends Error {
  override name = "AttemptsExhaustedError";
  constructor(attempts: number) {
    super(`gave up after ${attempts} attempts; the last one ended without an outcome (its consumer stopped or timed out)`);
  }
}

/** What one consumer's processor works with. */
export interface ProcessorParts<Tx extends SqlTransaction> {
  consumer: string;
  namespace: EventNamespace;
  handlers: EventHandlers<Tx>;
  transaction: EventTransaction<Tx>;
  policy: RedeliveryPolicy;
  deadLetters: DeadLetterStore;
  leases: Leases;
  logger: Logger;
}

/** Takes batches of deliveries to their end: acked, nak'ed with their delay, or dead-lettered. */
export class DeliveryProcessor<Tx extends SqlTransaction> {
  constructor(private readonly parts: ProcessorParts<Tx>) {}

  /** Processes `batch`; returns what is left when a dependency did not answer, else undefined. */
  async process(batch: readonly JsMsg[]): Promise<Unfinished | undefined> {
    const runnable: Array<RunnableDelivery<Tx>> = [];
    for (const msg of batch) {
      const delivery = await this.triage(msg);
      if (delivery) runnable.push(delivery);
    }
    return this.run(runnable);
  }

  /** The delivery ready to run; or undefined once a delivery nothing can run is skipped or dead-lettered. */
  private async triage(msg: JsMsg): Promise<RunnableDelivery<Tx> | undefined> {
    let type = this.parts.namespace.typeOf(msg.subject);
    try {
      const envelope = fromNatsHeaders(msg.headers);
      type = envelope.type;
      // The last attempt ended without an outcome (its consumer stopped or timed out), so nobody
      // dead-lettered the event: do it now, without another attempt.
      if (this.parts.policy.isSpare(msg.info.deliveryCount)) throw new AttemptsExhaustedError(msg.info.deliveryCount - 1);
      const call = this.parts.handlers.callFor(type, msg.data);
      if (call) return { msg, envelope, call };
      settle(() => msg.ack(), this.parts.logger);
      this.record(msg, type, "skipped", 0);
    } catch (error) {
      // Not a CloudEvent, a body that does not decode, or the spare delivery: no attempt can fix it.
      await this.deadLetter(msg, type, error, 0);
    }
    return undefined;
  }

  private async run(runnable: Array<RunnableDelivery<Tx>>): Promise<Unfinished | undefined> {
    if (runnable.length === 0) return undefined;
    const started = performance.now();
    try {
      const results = await this.parts.leases.during(
        runnable.map((d) => d.msg),
        () => this.parts.transaction.run(runnable),
      );
      eventTransactionDuration.observe({ consumer: this.parts.consumer }, (performance.now() - started) / 1000);
      runnable.forEach(({ msg, envelope }, i) => {
        settle(() => msg.ack(), this.parts.logger);
        this.record(msg, envelope.type, results[i]!.outcome, results[i]!.seconds);
      });
      return undefined;
    } catch (error) {
      if (failureKind(error) === "infrastructure") return { left: runnable.map((d) => d.msg), cause: error };
      if (runnable.length === 1) return void (await this.fail(runnable[0]!, error, (performance.now() - started) / 1000));
      // One bad event must neither hold back nor dead-letter the others: each again, alone.
      for (const [i, delivery] of runnable.entries()) {
        const unfinished = await this.run([delivery]);
        if (unfinished) return { left: [...unfinished.left, ...runnable.slice(i + 1).map((d) => d.msg)], cause: unfinished.cause };
      }
      return undefined;
    }
  }

  /** A handler failure: redelivered after the delay of this attempt, or dead-lettered after the last. */
  private async fail({ msg, envelope }: RunnableDelivery<Tx>, error: unknown, seconds: number): Promise<void> {
    const deliveries = msg.info.deliveryCount;
    if (this.parts.policy.isLastAttempt(deliveries)) return this.deadLetter(msg, envelope.type, error, seconds);
    const delay = this.parts.policy.delayAfter(deliveries);
    this.parts.logger.warn({ ...facts(msg, envelope.type, error), retryInMs: delay }, "event handler failed; will redeliver");
    settle(() => msg.nak(delay), this.parts.logger);
    this.record(msg, envelope.type, "retried", seconds);
  }

  private async deadLetter(msg: JsMsg, type: string, error: unknown, seconds: number): Promise<void> {
    const seq = await inDeadLetterSpan(msg, this.parts.consumer, type, () => this.parts.deadLetters.park(msg, type, error));
    if (seq === undefined) {
      // The spare delivery (if this was not it) tries again; after that NATS gives up and the
      // message stays in its stream, announced on the MAX_DELIVERIES advisory.
      this.parts.logger.error(facts(msg, type, error), "cannot dead-letter the event; it stays in its stream");
      settle(() => msg.nak(this.parts.policy.delaysMs.at(-1) ?? 0), this.parts.logger);
      return this.record(msg, type, "retried", seconds);
    }
    eventsDeadLettered.inc({ consumer: this.parts.consumer, type });
    this.parts.logger.error({ ...facts(msg, type, error), deadLetter: seq }, "event moved to the dead-letter stream");
    this.record(msg, type, "dead_lettered", seconds);
  }

  private record(msg: JsMsg, type: string, outcome: Outcome, seconds: number): void {
    const { consumer } = this.parts;
    if (msg.info.deliveryCount > 1) eventsRedelivered.inc({ consumer, type });
    eventsConsumed.inc({ consumer, type, outcome });
    if (outcome === "duplicate") eventsDuplicatesSkipped.inc({ consumer, type });
    eventHandlerDuration.observe({ consumer, type, outcome }, seconds);
  }
}

function facts(msg: JsMsg, type: string, error: unknown) {
  const eventId = msg.headers?.get("ce-id") || undefined;
  return { type, eventId, streamSequence: msg.info.streamSequence, deliveries: msg.info.deliveryCount, err: describeError(error) };
}
