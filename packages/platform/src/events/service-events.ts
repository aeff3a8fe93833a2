// A service joining the event backbone: its event tables, a NATS connection (in /readyz,
// drained on shutdown), the streams and consumers provisioned, then — as the service needs —
// the outbox relay and its consumers, each stopped with the server.
import type { NatsConnection } from "nats";
import { natsReadiness, type ReadinessCheck } from "../readiness.js";
import type { Logger } from "../logger.js";
import { EventConsumer, type TransactionRunner } from "./event-consumer.js";
import { migrateEventTables } from "./event-tables.js";
import { EventNamespace } from "./namespace.js";
import { connectNats, eventsConfig } from "./nats.js";
import { OutboxRelay } from "./outbox-relay.js";
import type { SqlTransaction } from "./outbox.js";
import { defaultStreamSettings, provisionEvents, type ConsumerSettings } from "./provisioning.js";
import type { FieldSeal } from "./sealed-fields.js";

/** What joining the backbone needs of the service's host. */
export interface EventsHost {
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly databaseUrl: string;
  readonly readiness: ReadinessCheck[];
  /** The topology: which services publish (one stream each). */
  readonly manifest: { readonly producers: readonly string[] };
  /** Opens sealed event fields for this service's handlers, when it holds the key ring. */
  readonly fieldSeal?: FieldSeal;
  onShutdown(step: () => Promise<unknown> | unknown): void;
}

/** One service process's place on the event backbone. */
export class ServiceEvents {
  private constructor(
    private readonly runtime: EventsHost,
    readonly nats: NatsConnection,
    readonly namespace: EventNamespace,
  ) {}

  /** Creates the event tables, connects to NATS (failing clearly if it is down) and provisions the streams. */
  static async join(runtime: EventsHost): Promise<ServiceEvents> {
    const config = eventsConfig(runtime.env);
    const namespace = new EventNamespace(config.prefix);
    await migrateEventTables(runtime.databaseUrl, runtime.logger);
    const nats = await connectNats({ url: config.natsUrl, name: runtime.name, logger: runtime.logger });
    runtime.onShutdown(() => nats.drain());
    runtime.readiness.push(natsReadiness(nats));
    // Streams only: each consumer is created or updated by its own EventConsumer with its own
    // settings, so a service starting never resets another service's consumers to defaults.
    await provisionEvents(await nats.jetstreamManager(), {
      namespace,
      topology: { producers: runtime.manifest.producers, consumers: [] },
      streams: { ...defaultStreamSettings, replicas: config.replicas },
    });
    return new ServiceEvents(runtime, nats, namespace);
  }

  /** Starts publishing this service's outbox. */
  async startRelay(): Promise<OutboxRelay> {
    const { runtime } = this;
    const relay = new OutboxRelay({ service: runtime.name, databaseUrl: runtime.databaseUrl, nats: this.nats, namespace: this.namespace, logger: runtime.logger });
    await relay.start();
    runtime.onShutdown(() => relay.stop());
    return relay;
  }

  /**
   * Starts this service's durable consumer of `stream` (in /readyz: not ready while paused);
   * `handle` registers its handlers first. `batchSize` > 1 only for handlers that write nothing
   * but through the transaction.
   */
  async consume<Tx extends SqlTransaction>(
    stream: string,
    prisma: TransactionRunner<Tx>,
    handle: (consumer: EventConsumer<Tx>) => void,
    options: { settings?: Partial<ConsumerSettings>; batchSize?: number } = {},
  ): Promise<EventConsumer<Tx>> {
    const { runtime } = this;
    const consumer = new EventConsumer<Tx>({
      consumer: runtime.name,
      stream,
      nats: this.nats,
      prisma,
      namespace: this.namespace,
      settings: options.settings,
      batchSize: options.batchSize,
      seal: runtime.fieldSeal,
      logger: runtime.logger,
    });
    handle(consumer);
    await consumer.start();
    runtime.onShutdown(() => consumer.stop());
    // Not ready while paused: its database or another dependency does not answer.
    runtime.readiness.push(consumer.readiness());
    return consumer;
  }
}
