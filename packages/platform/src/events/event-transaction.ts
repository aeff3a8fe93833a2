// One database transaction for a batch of deliveries (a single delivery is a batch of one): the
// batch's inbox rows, then each new event's handler call in its own CONSUMER span and call
// context. It commits or rolls back as a whole, so the inbox and the handlers' effects never
// disagree.
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import type { JsMsg } from "nats";
import { runInCallContext } from "../call-context.js";
import { passThroughTraceparent, tracer, tracingEnabled } from "../observability/tracing.js";
import { traceContextOf } from "./delivery-trace.js";
import type { EventEnvelope } from "./envelope.js";
import type { HandlerCall } from "./event-handlers.js";
import { describeError } from "../failure-kind.js";
import type { Inbox, TransactionRunner } from "./inbox.js";
import type { SqlTransaction } from "./outbox.js";
import { receivedEvent } from "./received-event.js";

/** A delivery ready to run: its envelope and the handler call it gets. */
export interface RunnableDelivery<Tx> {
  readonly msg: JsMsg;
  readonly envelope: EventEnvelope;
  readonly call: HandlerCall<Tx>;
}

/** What became of one event in a committed transaction, and how long its own work took. */
export interface HandledEvent {
  readonly outcome: "handled" | "duplicate";
  readonly seconds: number;
}

/** Runs batches of deliveries of one consumer in single transactions. */
export class EventTransaction<Tx extends SqlTransaction> {
  constructor(
    private readonly prisma: TransactionRunner<Tx>,
    private readonly inbox: Inbox,
    private readonly timeoutMs: number,
  ) {}

  /** Handles every delivery of `batch` in order in one transaction; rejects (all rolled back) if any fails. */
  async run(batch: ReadonlyArray<RunnableDelivery<Tx>>): Promise<HandledEvent[]> {
    return this.prisma.$transaction(
      async (tx) => {
        // One inbox statement for the batch rather than one per event (docs/performance.md).
        const fresh = await this.inbox.claim(tx, batch.map((d) => d.envelope));
        const results: HandledEvent[] = [];
        // An id's first delivery in the batch takes its claim; a second one is a duplicate.
        for (const delivery of batch) results.push(await this.handle(tx, delivery, fresh.delete(delivery.envelope.id)));
        return results;
      },
      { timeout: this.timeoutMs, maxWait: this.timeoutMs },
    );
  }

  /** Runs the handler inside `tx` unless the event was handled before (`claimed` false), timing this event's own work. */
  private async handle(tx: Tx, { msg, envelope, call }: RunnableDelivery<Tx>, claimed: boolean): Promise<HandledEvent> {
    const started = performance.now();
    const parent = traceContextOf(msg);
    const span = tracer().startSpan(
      `process ${envelope.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          "messaging.system": "nats",
          "messaging.operation.type": "process",
          "messaging.operation.name": "process",
          "messaging.destination.name": msg.subject,
          "messaging.consumer.group.name": this.inbox.consumer,
          "messaging.message.id": envelope.id,
        },
      },
      parent,
    );
    const signal = AbortSignal.timeout(this.timeoutMs);
    // Downstream calls and log lines of the handler carry the correlation id as their request id.
    const callContext = {
      service: this.inbox.consumer,
      method: envelope.type,
      deadline: Date.now() + this.timeoutMs,
      signal,
      requestId: envelope.correlationId ?? envelope.id,
      traceparent: tracingEnabled() ? undefined : passThroughTraceparent(envelope.traceparent),
    };
    try {
      const outcome = await context.with(trace.setSpan(parent, span), () =>
        runInCallContext(callContext, async () => {
          if (!claimed) return "duplicate" as const;
          await call.handle(call.message, receivedEvent(tx, envelope, msg, signal));
          return "handled" as const;
        }),
      );
      return { outcome, seconds: (performance.now() - started) / 1000 };
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error) });
      throw error;
    } finally {
      span.end();
    }
  }
}
