// The outbox relay: publishes a service's pending outbox rows to JetStream in order, waits for
// each ack, then marks them sent. Woken on commit (LISTEN/NOTIFY) with a polling fallback;
// when NATS or Postgres is down it keeps the rows pending and retries with backoff.
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { JetStreamClient, NatsConnection } from "nats";
import type pg from "pg";
import { connectPostgres } from "../data/database.js";
import { createLogger, type Logger } from "../logger.js";
import { extractTraceContext, injectTraceContext, tracer } from "../observability/tracing.js";
import { JSON_CONTENT_TYPE, toNatsHeaders, type EventEnvelope } from "./envelope.js";
import { OUTBOX_CHANNEL } from "./event-tables.js";
import { producerOf } from "../contracts/event-types.js";
import { describeError } from "../failure-kind.js";
import { eventsPublished, eventsPublishFailures, outboxLag, outboxPending } from "./metrics.js";
import { EventNamespace } from "./namespace.js";
import { readOutboxState } from "./outbox-state.js";
import { Pause, retryDelay } from "./pause.js";

// Taken per batch inside the batch's transaction: one relay per database publishes at a time,
// and a relay that dies mid-batch releases it with its connection.
const RELAY_LOCK = 0x6a756e63; // "junc"
const encoder = new TextEncoder();

/** How a relay finds its rows and where it publishes them. */
export interface OutboxRelayOptions {
  /** The producing service (labels metrics and logs). */
  service: string;
  /** The service's database, holding the outbox. */
  databaseUrl: string;
  nats: NatsConnection;
  namespace?: EventNamespace;
  logger?: Logger;
  /** Rows published per transaction. */
  batchSize?: number;
  /** Fallback scan interval when no notification arrives. */
  pollIntervalMs?: number;
  /** First and longest pause after a failure. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long to wait for JetStream's ack of one message. */
  publishTimeoutMs?: number;
  /** Sent rows are deleted after this long. */
  retainSentMs?: number;
}

interface OutboxRow {
  position: string;
  id: string;
  type: string;
  source: string;
  subject: string;
  data_schema: string;
  data: string;
  time: Date;
  correlation_id: string | null;
  actor_id: string | null;
  org_id: string | null;
  traceparent: string | null;
  tracestate: string | null;
}

/** Publishes one service's outbox; run exactly one per service process. */
export class OutboxRelay {
  private readonly js: JetStreamClient;
  private readonly namespace: EventNamespace;
  private readonly logger: Logger;
  private readonly wakeup = new Pause();
  private pg?: pg.Client;
  private loop?: Promise<void>;
  private stopping = false;
  private failing = false;
  private lastPrune = 0;
  private lastLagRefresh = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.js = options.nats.jetstream();
    this.namespace = options.namespace ?? EventNamespace.root;
    this.logger = (options.logger ?? createLogger(options.service)).child({ component: "outbox-relay" });
  }

  /** Connects to the database (failing clearly if it is unreachable) and starts relaying in the background. */
  async start(): Promise<void> {
    if (this.loop) return;
    await this.connect();
    this.loop = this.run();
    void this.watchNats();
  }

  /** Relays now instead of at the next poll; NOTIFY already does this after each commit. */
  wake(): void {
    this.wakeup.interrupt();
  }

  /** Finishes the batch in progress, then stops and closes the database connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeup.interrupt();
    await this.loop;
    const client = this.pg;
    this.pg = undefined;
    await client?.end().catch(() => {});
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let more = false;
      try {
        await this.connect();
        more = await this.relayBatch();
        if (failures > 0) this.logger.info({ failures }, "outbox relay recovered");
        failures = 0;
        this.failing = false;
        await this.maintain();
      } catch (error) {
        failures++;
        this.failing = true;
        eventsPublishFailures.inc({ producer: this.options.service });
        // The first failure and then every doubling, so an outage does not flood the log.
        if ((failures & (failures - 1)) === 0) {
          this.logger.warn({ err: describeError(error), failures }, "outbox relay cannot publish; rows stay pending and are retried");
        }
        await this.refreshLag().catch(() => {});
        await this.wakeup.for(retryDelay(failures, this.options.retryBaseMs ?? 250, this.options.retryMaxMs ?? 30_000));
        continue;
      }
      if (!more) await this.wakeup.for(this.options.pollIntervalMs ?? 1000);
    }
  }

  /** Publishes up to one batch in order; returns whether more rows may be waiting. */
  private async relayBatch(): Promise<boolean> {
    const client = this.pg!;
    const batchSize = this.options.batchSize ?? 100;
    let failure: unknown;
    let fetched = 0;
    await client.query("BEGIN");
    try {
      // The lock and the rows in one round trip: the lock is taken once, and without it (another
      // relay is publishing this outbox; it got the same notification) no row comes back.
      const { rows } = await client.query<OutboxRow>(
        `WITH relay AS (SELECT pg_try_advisory_xact_lock($1) AS locked)
         SELECT position, id, type, source, subject, data_schema, data, time, correlation_id, actor_id, org_id, traceparent, tracestate
           FROM junction_events.outbox, relay WHERE relay.locked AND sent_at IS NULL ORDER BY position LIMIT $2`,
        [RELAY_LOCK, batchSize],
      );
      if (rows.length === 0) {
        await client.query("COMMIT");
        return false;
      }
      fetched = rows.length;
      // All rows go out at once, in order, and their acks are awaited together: one round trip
      // per batch instead of per row. Each row after the first expects its predecessor to be the
      // stream's last message (Nats-Expected-Last-Msg-Id), so if one fails, none after it is
      // stored ahead of it: order holds without waiting for each ack.
      // From the first failure on (a lost ack, or a duplicate that left another message last),
      // the rest go again one at a time, each awaited, as a sequential relay would.
      const outcomes = await Promise.allSettled(rows.map((row, i) => this.publish(row, i > 0 ? rows[i - 1]!.id : undefined)));
      const firstFailure = outcomes.findIndex((outcome) => outcome.status === "rejected");
      const sent = (firstFailure < 0 ? rows : rows.slice(0, firstFailure)).map((row) => row.position);
      for (const row of firstFailure < 0 ? [] : rows.slice(firstFailure)) {
        if (this.stopping && sent.length > 0) break;
        try {
          await this.publish(row);
          sent.push(row.position);
        } catch (error) {
          // Stop at the first failure: later rows must not overtake it.
          failure = error;
          await client.query("UPDATE junction_events.outbox SET attempts = attempts + 1, last_error = $2 WHERE position = $1", [
            row.position,
            describeError(error).slice(0, 1000),
          ]);
          break;
        }
      }
      if (sent.length > 0) await client.query("UPDATE junction_events.outbox SET sent_at = now() WHERE position = ANY($1::bigint[])", [sent]);
      await client.query("COMMIT");
    } catch (error) {
      // Rows published but not marked are published again later; JetStream drops the duplicate.
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
    if (failure) throw failure;
    return fetched === batchSize;
  }

  private async publish(row: OutboxRow, previousId?: string): Promise<void> {
    const stored = { traceparent: row.traceparent ?? undefined, tracestate: row.tracestate ?? undefined };
    const parent = extractTraceContext({ get: (key) => stored[key as keyof typeof stored] });
    const subject = this.namespace.subject(row.type);
    const span = tracer().startSpan(
      `publish ${row.type}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: { "messaging.system": "nats", "messaging.operation.type": "send", "messaging.operation.name": "publish", "messaging.destination.name": subject, "messaging.message.id": row.id },
      },
      parent,
    );
    try {
      const carrier: Record<string, string> = {};
      injectTraceContext(carrier, trace.setSpan(parent, span));
      const envelope: EventEnvelope = {
        id: row.id,
        type: row.type,
        source: row.source,
        time: row.time.toISOString(),
        subject: row.subject,
        dataSchema: row.data_schema,
        dataContentType: JSON_CONTENT_TYPE,
        correlationId: row.correlation_id ?? undefined,
        actorId: row.actor_id ?? undefined,
        orgId: row.org_id ?? undefined,
        // Without a tracer provider nothing is injected; the captured context still travels.
        traceparent: carrier.traceparent ?? stored.traceparent,
        tracestate: carrier.tracestate ?? stored.tracestate,
      };
      const ack = await this.js
        .publish(subject, encoder.encode(row.data), {
          headers: toNatsHeaders(envelope),
          msgID: row.id,
          expect: { streamName: this.namespace.stream(producerOf(row.type)), ...(previousId ? { lastMsgID: previousId } : {}) },
          timeout: this.options.publishTimeoutMs ?? 5000,
        })
        .catch((error: unknown) => {
          if ((error as { code?: string }).code === "503") {
            throw new Error(`no JetStream stream captures ${subject}; provision streams first (npm run events -- provision)`, { cause: error });
          }
          throw error;
        });
      eventsPublished.inc({ producer: this.options.service, type: row.type, outcome: ack.duplicate ? "duplicate" : "stored" });
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  private async maintain(): Promise<void> {
    // The gauges at most once a second: reading them scans the unsent rows, and a busy relay
    // finishes a batch every few milliseconds.
    if (Date.now() - this.lastLagRefresh >= 1000) await this.refreshLag();
    const retainMs = this.options.retainSentMs ?? 7 * 86_400_000;
    if (Date.now() - this.lastPrune < 3_600_000) return;
    this.lastPrune = Date.now();
    await this.pg!.query("DELETE FROM junction_events.outbox WHERE sent_at < now() - make_interval(secs => $1)", [retainMs / 1000]);
  }

  private async refreshLag(): Promise<void> {
    if (!this.pg) return;
    this.lastLagRefresh = Date.now();
    const state = await readOutboxState(this.pg);
    outboxPending.set({ producer: this.options.service }, state.unsent);
    outboxLag.set({ producer: this.options.service }, state.oldestUnsentAgeMs / 1000);
  }

  private async connect(): Promise<void> {
    if (this.pg) return;
    const client = await connectPostgres(this.options.databaseUrl);
    const drop = () => {
      if (this.pg === client) this.pg = undefined;
    };
    client.on("error", drop);
    client.on("end", drop);
    client.on("notification", () => {
      // During a failure backoff a new row changes nothing; the backoff decides when to retry.
      if (!this.failing) this.wakeup.interrupt();
    });
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.pg = client;
  }

  private async watchNats(): Promise<void> {
    for await (const status of this.options.nats.status()) {
      if (this.stopping) return;
      // Back after an outage: publish what piled up now rather than at the end of a backoff.
      if (status.type === "reconnect") this.wakeup.interrupt();
    }
  }
}
