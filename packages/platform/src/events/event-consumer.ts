// Idempotent event consumers: one durable pull consumer per (consuming service, stream). Each
// delivery runs in one database transaction that first records (consumer, event id) in the
// inbox and then runs the typed handler; the ack follows the commit. A redelivered event finds
// its inbox row and is acknowledged without a second effect. Failures are redelivered with the
// consumer's backoff and, after the last delivery, moved to the dead-letter stream.
import { fromJsonString, type DescMessage, type Message, type MessageShape } from "@bufbuild/protobuf";
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { Match, type Consumer, type ConsumerMessages, type JetStreamClient, type JsMsg, type NatsConnection } from "nats";
import { runInCallContext } from "../call-context.js";
import { createLogger, type Logger } from "../logger.js";
import { extractTraceContext, passThroughTraceparent, tracer, tracingEnabled } from "../observability/tracing.js";
import { storeDeadLetter } from "./dead-letters.js";
import { fromNatsHeaders, InvalidEnvelopeError, type EventEnvelope } from "./envelope.js";
import { eventType } from "./event-types.js";
import { eventHandlerDuration, eventsConsumed, eventsDeadLettered, eventsDuplicatesSkipped, eventsRedelivered } from "./metrics.js";
import { EventNamespace } from "./namespace.js";
import type { SqlTransaction } from "./outbox.js";
import { Pause, retryDelay } from "./pause.js";
import { apiErrorCode, defaultConsumerSettings, ensureConsumer, type ConsumerSettings } from "./provisioning.js";

/** What a consumer needs of the service's Prisma client: interactive transactions. */
export interface TransactionRunner<Tx> {
  $transaction<R>(fn: (tx: Tx) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
}

/** What a handler knows about the event besides its payload. */
export interface ReceivedEvent<Tx> {
  /** The delivery's transaction: write through it so the effect commits with the inbox row. */
  readonly tx: Tx;
  /** `ce-id`, unique per event. */
  readonly id: string;
  readonly type: string;
  readonly source: string;
  /** The aggregate the event is about (`ce-subject`). */
  readonly subject?: string;
  readonly time?: Date;
  readonly actorId?: string;
  readonly orgId?: string;
  /** The request id of the call that caused the event. */
  readonly correlationId?: string;
  /** The message's sequence in its stream and how often it has been delivered (1 the first time). */
  readonly streamSequence: number;
  readonly deliveryCount: number;
  /** Aborted when the handler's time is up. */
  readonly signal: AbortSignal;
}

type Outcome = "handled" | "duplicate" | "skipped" | "retried" | "dead_lettered";
// A typed handler decodes the body with `schema`; the catch-all (`otherwise`) gets the JSON text.
type AnyHandler<Tx> = { schema?: DescMessage; handle: (message: Message | string, event: ReceivedEvent<Tx>) => Promise<void> };

/** The spare delivery of an event whose last attempt never reported back. */
class AttemptsExhaustedError extends Error {
  override name = "AttemptsExhaustedError";
  constructor(attempts: number) {
    super(`gave up after ${attempts} attempts; the last one ended without an outcome (its consumer stopped or timed out)`);
  }
}

/** Thrown when a body does not decode as its event type: no retry can fix that. */
class UndecodableEventError extends Error {
  override name = "UndecodableEventError";
}

/** How a consumer reads one stream. */
export interface EventConsumerOptions<Tx> {
  /** The consuming service; names the durable consumer and the inbox rows. */
  consumer: string;
  /** The producing service whose stream is read, e.g. "auth". */
  stream: string;
  nats: NatsConnection;
  /** The consuming service's Prisma client. */
  prisma: TransactionRunner<Tx>;
  namespace?: EventNamespace;
  /** Redelivery policy the consumer is provisioned with. */
  settings?: Partial<ConsumerSettings>;
  /** One subject filter (without prefix), e.g. "auth.user.>"; the whole stream by default. */
  filter?: string;
  /** Create or update the durable consumer at start (default); false to use it as provisioned. */
  provision?: boolean;
  /** Time a handler (and its transaction) may take. */
  handlerTimeoutMs?: number;
  /** How long one pull waits for a message before asking again. */
  pullExpiresMs?: number;
  /**
   * Most deliveries handled in one transaction (default 1). Deliveries already waiting are
   * handled together — one commit, then their acks — so a busy stream is not bound by a round
   * trip per event. If anything in a batch fails, it rolls back and its deliveries are handled
   * one by one at once, so a handler may run twice for one delivery: batch only consumers whose
   * handlers only write through the transaction (no email, no calls).
   */
  batchSize?: number;
  /**
   * How long inbox rows are kept (default 90 days). They must outlive every redelivery or replay
   * of the event: the stream's max age plus the dead-letter stream's (30 + 30 days by default).
   */
  inboxRetentionMs?: number;
  logger?: Logger;
}

/** A durable consumer with typed handlers per event message type; unhandled types are acknowledged and skipped. */
export class EventConsumer<Tx extends SqlTransaction> {
  private readonly handlers = new Map<string, AnyHandler<Tx>>();
  private fallback?: AnyHandler<Tx>;
  private readonly namespace: EventNamespace;
  private readonly logger: Logger;
  private readonly js: JetStreamClient;
  private readonly pause = new Pause();
  private loop?: Promise<void>;
  private pulling?: ConsumerMessages;
  private stopping = false;
  private maxDeliver = -1;
  private backoffMs: number[] = [];
  private leaseRefreshMs = 10_000;
  private pruneTimer?: NodeJS.Timeout;

  constructor(private readonly options: EventConsumerOptions<Tx>) {
    this.namespace = options.namespace ?? EventNamespace.root;
    this.logger = (options.logger ?? createLogger(options.consumer)).child({ component: "event-consumer", stream: options.stream });
    this.js = options.nats.jetstream();
  }

  /** Handles events of `schema`'s type with `handle`; returns this consumer for chaining. */
  on<D extends DescMessage>(schema: D, handle: (message: MessageShape<D>, event: ReceivedEvent<Tx>) => Promise<void>): this {
    const type = eventType(schema);
    if (this.handlers.has(type)) throw new Error(`${this.options.consumer} already handles ${type}`);
    this.handlers.set(type, { schema, handle: handle as AnyHandler<Tx>["handle"] });
    return this;
  }

  /**
   * Handles events of every type without a handler of its own, with their JSON body as text —
   * for consumers that must see everything (the audit log), including types newer than their
   * generated code. Without it such events are acknowledged and skipped.
   */
  otherwise(handle: (json: string, event: ReceivedEvent<Tx>) => Promise<void>): this {
    this.fallback = { handle: handle as AnyHandler<Tx>["handle"] };
    return this;
  }

  /** The handler for `type` and the body it takes, or undefined when nothing handles it. */
  private handlerFor(type: string, data: Uint8Array): { handler: AnyHandler<Tx>; message: Message | string } | undefined {
    const handler = this.handlers.get(type) ?? this.fallback;
    if (!handler) return undefined;
    return { handler, message: handler.schema ? decode(handler.schema, data) : new TextDecoder().decode(data) };
  }

  /** Provisions the durable consumer (unless told not to) and starts handling in the background. */
  async start(): Promise<void> {
    if (this.loop) return;
    const { consumer, stream, filter } = this.options;
    const streamName = this.namespace.stream(stream);
    const jsm = await this.options.nats.jetstreamManager();
    if (this.options.provision !== false) {
      await ensureConsumer(jsm, this.namespace, { consumer, stream, filter }, { ...defaultConsumerSettings, ...this.options.settings });
    }
    const info = await jsm.consumers.info(streamName, consumer).catch((error: unknown) => {
      if (apiErrorCode(error) === 10014 || apiErrorCode(error) === 10059) {
        throw new Error(`consumer ${consumer} on stream ${streamName} does not exist; provision it (npm run events -- provision)`, { cause: error });
      }
      throw error;
    });
    // The server's settings are the truth, whoever provisioned them; its last delivery is the
    // spare that only dead-letters (see consumerConfig).
    const serverMaxDeliver = info.config.max_deliver ?? -1;
    this.maxDeliver = serverMaxDeliver > 1 ? serverMaxDeliver - 1 : serverMaxDeliver;
    this.backoffMs = (info.config.backoff ?? []).map((ns) => ns / 1e6);
    const shortestLeaseMs = Math.min((info.config.ack_wait ?? 30e9) / 1e6, ...this.backoffMs);
    this.leaseRefreshMs = Math.max(20, Math.floor(shortestLeaseMs / 3));
    const pull = await this.js.consumers.get(streamName, consumer);
    this.stopping = false;
    this.loop = this.run(pull);
    void this.watchNats();
    void this.pruneInbox();
    this.pruneTimer = setInterval(() => void this.pruneInbox(), 6 * 3_600_000).unref();
  }

  /** Finishes the event in progress (handler, commit, ack), then stops pulling. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.pruneTimer);
    // Ends a pull that is waiting for a message; one being handled is finished first.
    this.pulling?.stop();
    this.pause.interrupt();
    await this.loop;
    this.loop = undefined;
  }

  private async run(pull: Consumer): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const batchSize = Math.max(1, this.options.batchSize ?? 1);
        const pulling = await pull.fetch({ max_messages: batchSize, expires: this.options.pullExpiresMs ?? 5000 });
        this.pulling = pulling;
        if (this.stopping) pulling.stop();
        const deliveries = pulling[Symbol.asyncIterator]();
        for (let next = await deliveries.next(); !next.done; next = await deliveries.next()) {
          // Whatever else has already arrived joins this delivery's batch; nothing waits for more.
          const batch = [next.value];
          // getPending() counts the delivery just taken too.
          while (batch.length < batchSize && pulling.getPending() > 1) {
            const more = await deliveries.next();
            if (more.done) break;
            batch.push(more.value);
          }
          if (this.stopping) {
            // Arrived as we stopped: give them back for immediate redelivery.
            for (const msg of batch) this.settle(() => msg.nak());
            break;
          }
          await this.processBatch(batch);
        }
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures++;
        if ((failures & (failures - 1)) === 0) this.logger.warn({ err: describe(error), failures }, "cannot pull events; retrying");
        await this.pause.for(retryDelay(failures, 250, 10_000));
      } finally {
        this.pulling = undefined;
      }
    }
  }

  private async pruneInbox(): Promise<void> {
    const seconds = (this.options.inboxRetentionMs ?? 90 * 86_400_000) / 1000;
    await this.options.prisma
      .$transaction(
        async (tx) => tx.$executeRaw`
          DELETE FROM junction_events.inbox WHERE consumer = ${this.options.consumer} AND received_at < now() - make_interval(secs => ${seconds})`,
      )
      .catch((error: unknown) => this.logger.warn({ err: describe(error) }, "cannot prune the inbox; will try again later"));
  }

  private async watchNats(): Promise<void> {
    for await (const status of this.options.nats.status()) {
      if (this.stopping) return;
      // Back after an outage: pull now rather than at the end of a backoff.
      if (status.type === "reconnect") this.pause.interrupt();
    }
  }

  /** Handles one delivery to the end: acked, nak'ed for retry, or dead-lettered. Never throws. */
  private async process(msg: JsMsg): Promise<void> {
    const started = performance.now();
    const consumer = this.options.consumer;
    let type = this.namespace.typeOf(msg.subject);
    let outcome: Outcome;
    try {
      const envelope = fromNatsHeaders(msg.headers);
      type = envelope.type;
      if (msg.info.deliveryCount > 1) eventsRedelivered.inc({ consumer, type });
      if (this.maxDeliver > 0 && msg.info.deliveryCount > this.maxDeliver) {
        // The spare delivery: the last attempt ended without an outcome (its consumer stopped or
        // timed out), so nobody dead-lettered the event. Do it now, without another attempt.
        throw new AttemptsExhaustedError(msg.info.deliveryCount - 1);
      }
      const target = this.handlerFor(type, msg.data);
      if (!target) {
        outcome = "skipped";
      } else {
        outcome = await this.withLease(msg, () => this.handle(msg, envelope, target.handler, target.message));
      }
      this.settle(() => msg.ack());
    } catch (error) {
      outcome = await this.fail(msg, type, error);
    }
    eventsConsumed.inc({ consumer, type, outcome });
    if (outcome === "duplicate") eventsDuplicatesSkipped.inc({ consumer, type });
    eventHandlerDuration.observe({ consumer, type, outcome }, (performance.now() - started) / 1000);
  }

  /** Sends an ack, nak or term; if the connection is gone, NATS redelivers later and the inbox absorbs it. */
  private settle(reply: () => void): void {
    try {
      reply();
    } catch (error) {
      this.logger.warn({ err: describe(error) }, "cannot reply to NATS; the event will be redelivered");
    }
  }

  /**
   * Handles several deliveries in one transaction (inbox rows and handler writes of all of them),
   * then acknowledges them. Any failure rolls the whole batch back and each delivery is handled
   * on its own, so one bad event never holds back or dead-letters the others.
   */
  private async processBatch(batch: JsMsg[]): Promise<void> {
    // Redeliveries (rare) go one by one: their attempts and spare deliveries are counted per event.
    if (batch.length === 1 || batch.some((msg) => msg.info.deliveryCount > 1)) {
      for (const msg of batch) await this.process(msg);
      return;
    }
    const started = performance.now();
    const consumer = this.options.consumer;
    let decoded: Array<{ msg: JsMsg; envelope: EventEnvelope; target?: { handler: AnyHandler<Tx>; message: Message | string } }>;
    try {
      decoded = batch.map((msg) => {
        const envelope = fromNatsHeaders(msg.headers);
        return { msg, envelope, target: this.handlerFor(envelope.type, msg.data) };
      });
    } catch {
      for (const msg of batch) await this.process(msg);
      return;
    }
    const timeoutMs = this.options.handlerTimeoutMs ?? 30_000;
    let outcomes: Outcome[];
    try {
      outcomes = await this.withLeases(batch, () =>
        this.options.prisma.$transaction(
          async (tx) => {
            const results: Outcome[] = [];
            for (const { msg, envelope, target } of decoded) {
              results.push(target ? await this.handleWithin(tx, msg, envelope, target.handler, target.message) : "skipped");
            }
            return results;
          },
          { timeout: timeoutMs, maxWait: timeoutMs },
        ),
      );
    } catch {
      for (const msg of batch) await this.process(msg);
      return;
    }
    const seconds = (performance.now() - started) / 1000 / batch.length;
    decoded.forEach(({ msg, envelope }, i) => {
      this.settle(() => msg.ack());
      const outcome = outcomes[i]!;
      if (msg.info.deliveryCount > 1) eventsRedelivered.inc({ consumer, type: envelope.type });
      eventsConsumed.inc({ consumer, type: envelope.type, outcome });
      if (outcome === "duplicate") eventsDuplicatesSkipped.inc({ consumer, type: envelope.type });
      eventHandlerDuration.observe({ consumer, type: envelope.type, outcome }, seconds);
    });
  }

  private async handle(msg: JsMsg, envelope: EventEnvelope, handler: AnyHandler<Tx>, message: Message | string): Promise<"handled" | "duplicate"> {
    const timeoutMs = this.options.handlerTimeoutMs ?? 30_000;
    return this.options.prisma.$transaction((tx) => this.handleWithin(tx, msg, envelope, handler, message), { timeout: timeoutMs, maxWait: timeoutMs });
  }

  /** Records the inbox row and runs the handler inside `tx`, in a CONSUMER span and the event's call context. */
  private async handleWithin(tx: Tx, msg: JsMsg, envelope: EventEnvelope, handler: AnyHandler<Tx>, message: Message | string): Promise<"handled" | "duplicate"> {
    const { consumer } = this.options;
    const timeoutMs = this.options.handlerTimeoutMs ?? 30_000;
    const parent = extractTraceContext({ get: (key) => header(msg, key) });
    const span = tracer().startSpan(
      `process ${envelope.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          "messaging.system": "nats",
          "messaging.destination.name": msg.subject,
          "messaging.consumer.group.name": consumer,
          "messaging.message.id": envelope.id,
        },
      },
      parent,
    );
    const signal = AbortSignal.timeout(timeoutMs);
    // Downstream calls and log lines of the handler carry the correlation id as their request id.
    const call = {
      service: consumer,
      method: envelope.type,
      deadline: Date.now() + timeoutMs,
      signal,
      requestId: envelope.correlationId ?? envelope.id,
      traceparent: tracingEnabled() ? undefined : passThroughTraceparent(envelope.traceparent),
    };
    try {
      return await context.with(trace.setSpan(parent, span), () =>
        runInCallContext(call, async () => {
          const inserted = await tx.$executeRaw`
            INSERT INTO junction_events.inbox (consumer, event_id, type) VALUES (${consumer}, ${envelope.id}, ${envelope.type})
            ON CONFLICT DO NOTHING`;
          if (inserted === 0) return "duplicate" as const;
          await handler.handle(message, {
            tx,
            id: envelope.id,
            type: envelope.type,
            source: envelope.source,
            subject: envelope.subject,
            time: envelope.time ? new Date(envelope.time) : undefined,
            actorId: envelope.actorId,
            orgId: envelope.orgId,
            correlationId: envelope.correlationId,
            streamSequence: msg.info.streamSequence,
            deliveryCount: msg.info.deliveryCount,
            signal,
          });
          return "handled" as const;
        }),
      );
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: describe(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  /** Runs `fn` while telling NATS the delivery is still being worked on, so it is not redelivered meanwhile. */
  private async withLease<T>(msg: JsMsg, fn: () => Promise<T>): Promise<T> {
    return this.withLeases([msg], fn);
  }

  /** withLease for every delivery of a batch. */
  private async withLeases<T>(msgs: JsMsg[], fn: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => msgs.forEach((msg) => this.settle(() => msg.working())), this.leaseRefreshMs);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }

  private async fail(msg: JsMsg, type: string, error: unknown): Promise<Outcome> {
    const deliveries = msg.info.deliveryCount;
    const poison = error instanceof InvalidEnvelopeError || error instanceof UndecodableEventError || error instanceof AttemptsExhaustedError;
    const facts = { type, eventId: header(msg, "ce-id"), streamSequence: msg.info.streamSequence, deliveries, err: describe(error) };
    if (!poison && (this.maxDeliver <= 0 || deliveries < this.maxDeliver)) {
      const delay = this.backoffMs[Math.min(deliveries - 1, this.backoffMs.length - 1)] ?? 0;
      this.logger.warn({ ...facts, retryInMs: delay }, "event handler failed; will redeliver");
      this.settle(() => msg.nak(delay));
      return "retried";
    }
    // Last delivery (or a message no delivery can fix): park it in the dead-letter stream.
    for (let attempt = 1; ; attempt++) {
      try {
        const seq = await storeDeadLetter(this.js, this.namespace, msg, { consumer: this.options.consumer, type, error: describe(error) });
        this.settle(() => msg.term());
        eventsDeadLettered.inc({ consumer: this.options.consumer, type });
        this.logger.error({ ...facts, deadLetter: seq }, "event moved to the dead-letter stream");
        return "dead_lettered";
      } catch (dlqError) {
        if (attempt >= 3) {
          // The spare delivery (if this was not it) tries again; after that NATS gives up and the message stays in its stream at this sequence.
          this.logger.error({ ...facts, dlqError: describe(dlqError) }, "cannot store the dead letter; the event stays only in its stream");
          this.settle(() => msg.nak(this.backoffMs.at(-1) ?? 0));
          return "retried";
        }
        this.settle(() => msg.working());
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }
}

function decode(schema: DescMessage, data: Uint8Array): Message {
  try {
    return fromJsonString(schema, new TextDecoder().decode(data), { ignoreUnknownFields: true });
  } catch (error) {
    throw new UndecodableEventError(`body is not a ${schema.typeName} in proto3 JSON: ${describe(error)}`, { cause: error });
  }
}

function header(msg: JsMsg, name: string): string | undefined {
  return msg.headers?.has(name, Match.IgnoreCase) ? msg.headers.get(name, Match.IgnoreCase) : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
