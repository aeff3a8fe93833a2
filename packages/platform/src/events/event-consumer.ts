// Idempotent event consumers: one durable pull consumer per (consuming service, stream). nats.js
// delivers (consume(): pulling, heartbeats, reconnects); Junction adds its policy on top — each
// batch of deliveries runs in one transaction with an inbox row per event, failures are
// redelivered on the consumer's schedule and finally dead-lettered, and an outage of the
// consumer's own dependencies pauses it instead of spending attempts.
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { NatsConnection } from "nats";
import { createLogger, type Logger } from "../logger.js";
import type { ReadinessCheck } from "../readiness.js";
import { ConsumerLagWatch } from "./consumer-lag.js";
import { ConsumerLoop } from "./consumer-loop.js";
import { ConsumerPause, type PauseTiming } from "./consumer-pause.js";
import { DeadLetterStore } from "./dead-letter-store.js";
import { DeliveryProcessor } from "./delivery-processor.js";
import { EventHandlers } from "./event-handlers.js";
import { EventTransaction } from "./event-transaction.js";
import { Inbox, type TransactionRunner } from "./inbox.js";
import { Leases } from "./leases.js";
import { EventNamespace } from "./namespace.js";
import type { SqlTransaction } from "./outbox.js";
import { apiErrorCode, defaultConsumerSettings, ensureConsumer, type ConsumerSettings } from "./provisioning.js";
import type { ReceivedEvent } from "./received-event.js";
import { RedeliveryPolicy } from "./redelivery-policy.js";
import type { FieldSeal } from "./sealed-fields.js";

export type { ReceivedEvent } from "./received-event.js";
export type { TransactionRunner } from "./inbox.js";

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
  /** How long one pull request waits at the server before the library asks again (at least 1 s). */
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
  /** How often the consumer's lag metrics are refreshed from the server (default 15 s). */
  lagRefreshMs?: number;
  /** While paused, how long to wait before trying again: from firstMs doubling to longestMs (250 ms to 5 s). */
  pauseRetry?: PauseTiming;
  /** Opens the sealed fields of events for the handlers (services holding the key ring). */
  seal?: FieldSeal;
  logger?: Logger;
}

/** A durable consumer with typed handlers per event message type; unhandled types are acknowledged and skipped. */
export class EventConsumer<Tx extends SqlTransaction> {
  private readonly handlers: EventHandlers<Tx>;
  private readonly namespace: EventNamespace;
  private readonly logger: Logger;
  private readonly pause: ConsumerPause;
  private loop?: ConsumerLoop<Tx>;
  private lag?: ConsumerLagWatch;
  private pruneTimer?: NodeJS.Timeout;

  constructor(private readonly options: EventConsumerOptions<Tx>) {
    this.namespace = options.namespace ?? EventNamespace.root;
    this.logger = (options.logger ?? createLogger(options.consumer)).child({ component: "event-consumer", stream: options.stream });
    this.handlers = new EventHandlers(options.consumer, options.seal);
    this.pause = new ConsumerPause({ consumer: options.consumer, stream: this.namespace.stream(options.stream) }, this.logger, options.pauseRetry);
  }

  /** Handles events of `schema`'s type with `handle`; returns this consumer for chaining. */
  on<D extends DescMessage>(schema: D, handle: (message: MessageShape<D>, event: ReceivedEvent<Tx>) => Promise<void>): this {
    this.handlers.on(schema, handle);
    return this;
  }

  /**
   * Handles events of every type without a handler of its own, with their JSON body as text —
   * for consumers that must see everything (the audit log), including types newer than their
   * generated code. Without it such events are acknowledged and skipped.
   */
  otherwise(handle: (json: string, event: ReceivedEvent<Tx>) => Promise<void>): this {
    this.handlers.otherwise(handle);
    return this;
  }

  /** Provisions the durable consumer (unless told not to) and starts handling in the background. */
  async start(): Promise<void> {
    if (this.loop) return;
    const { consumer, stream, filter, nats } = this.options;
    const streamName = this.namespace.stream(stream);
    const settings = { ...defaultConsumerSettings, ...this.options.settings };
    const jsm = await nats.jetstreamManager();
    if (this.options.provision !== false) await ensureConsumer(jsm, this.namespace, { consumer, stream, filter }, settings);
    const info = await jsm.consumers.info(streamName, consumer).catch((error: unknown) => {
      if (apiErrorCode(error) === 10014 || apiErrorCode(error) === 10059) {
        throw new Error(`consumer ${consumer} on stream ${streamName} does not exist; provision it (npm run events -- provision)`, { cause: error });
      }
      throw error;
    });
    // The server's settings are the truth, whoever provisioned them.
    const policy = RedeliveryPolicy.of(info, settings.backoffMs);
    const inbox = new Inbox(consumer);
    const leases = new Leases(policy.leaseRefreshMs);
    const processor = new DeliveryProcessor<Tx>({
      consumer,
      namespace: this.namespace,
      handlers: this.handlers,
      transaction: new EventTransaction(this.options.prisma, inbox, this.options.handlerTimeoutMs ?? 30_000),
      policy,
      deadLetters: new DeadLetterStore(nats.jetstream(), this.namespace, consumer, this.logger),
      leases,
      logger: this.logger,
    });
    const source = await nats.jetstream().consumers.get(streamName, consumer);
    const batchSize = Math.max(1, this.options.batchSize ?? 1);
    this.loop = new ConsumerLoop(source, processor, this.pause, leases, { batchSize, pullExpiresMs: this.options.pullExpiresMs ?? 5000 }, this.logger);
    this.loop.start();
    this.lag = new ConsumerLagWatch(jsm, streamName, consumer, this.logger);
    this.lag.start(this.options.lagRefreshMs ?? 15_000);
    const prune = () => inbox.prune(this.options.prisma, this.options.inboxRetentionMs ?? 90 * 86_400_000, this.logger);
    void prune();
    this.pruneTimer = setInterval(() => void prune(), 6 * 3_600_000).unref();
  }

  /** Finishes the batch in progress (handlers, commit, acks), then stops pulling. */
  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.lag?.stop();
    await this.loop?.stop();
    this.loop = undefined;
  }

  /** Fails while the consumer is paused because a dependency does not answer; include it in /readyz. */
  readiness(): ReadinessCheck {
    return this.pause.readiness();
  }
}
