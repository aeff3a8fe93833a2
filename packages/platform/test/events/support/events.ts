// Test support for the event backbone: throwaway databases with the fixture domain and the
// event tables, isolated NATS namespaces removed after each test, and bounded waiting.
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { ExecutionContext } from "ava";
import { connect, type NatsConnection } from "nats";
import { openDatabase } from "../../../src/data/prisma.js";
import { createLogger } from "../../../src/logger.js";
import { migrateEventTables } from "../../../src/events/event-tables.js";
import { EventNamespace } from "../../../src/events/namespace.js";
import { OutboxRelay } from "../../../src/events/outbox-relay.js";
import { ensureDeadLetterStream, ensureStream } from "../../../src/events/provisioning.js";
import type { Outbox } from "../../../src/events/outbox.js";
import type { ConsumerSettings } from "../../../src/events/provisioning.js";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { freshDatabaseUrl } from "../../data/postgres.js";
import { PrismaClient } from "../../fixtures/events-prisma/generated/client.js";

export { PrismaClient };
/** The shared NATS server of this machine. */
export const SHARED_NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

const fixtureMigrations = fileURLToPath(new URL("../../fixtures/events-prisma/migrations", import.meta.url));

/** A logger for the backbone's parts that stays silent unless LOG_LEVEL asks for more. */
export const testLogger = createLogger("events-test", process.env.LOG_LEVEL ?? "silent");

/** Redelivery quick enough for tests: 3 deliveries, 150 ms then 300 ms apart. */
export const quickRetries: ConsumerSettings = { maxDeliver: 3, backoffMs: [150, 300], ackWaitMs: 1000, maxAckPending: 1000 };

/** A fresh database with the fixture domain and the event tables (at `url`, or one on the shared server dropped after the test). */
export async function eventDatabase(t: ExecutionContext, url = freshDatabaseUrl(t)): Promise<{ url: string; prisma: PrismaClient }> {
  const prisma = await openDatabase({ service: "events_test", url, migrationsDir: fixtureMigrations, PrismaClient });
  t.teardown(() => prisma.$disconnect());
  await migrateEventTables(url);
  return { url, prisma };
}

/** A namespace of the test's own; its streams are deleted after the test. */
export function testNamespace(t: ExecutionContext, natsUrl = SHARED_NATS_URL): EventNamespace {
  const namespace = new EventNamespace(`t${randomBytes(5).toString("hex")}`);
  t.teardown(async () => {
    const nc = await connect({ servers: natsUrl }).catch(() => undefined);
    if (!nc) return;
    const jsm = await nc.jetstreamManager();
    for await (const stream of jsm.streams.list()) {
      if (namespace.ownsStream(stream.config.name)) await jsm.streams.delete(stream.config.name).catch(() => {});
    }
    await nc.close();
  });
  return namespace;
}

/** A NATS connection closed after the test; reconnects quickly when its server comes back. */
export async function natsConnection(t: ExecutionContext, url = SHARED_NATS_URL): Promise<NatsConnection> {
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  t.teardown(() => nc.close().catch(() => {}));
  return nc;
}

/** Polls `probe` until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The producer's side of the fixture domain: registers a user and emits UserCreated in one transaction. */
export async function registerUser(prisma: PrismaClient, outbox: Outbox, n: number): Promise<string> {
  const id = randomUUID();
  await prisma.$transaction(async (tx) => {
    await tx.account.create({ data: { id, email: `user${n}@example.com`, displayName: `User ${n}` } });
    await outbox.add(tx, UserCreatedSchema, { userId: id, email: `user${n}@example.com`, displayName: `User ${n}` }, { subject: id, actorId: id });
  });
  return id;
}

/** Greetings per user id in the consumer's database. */
export async function greetingsByUser(prisma: PrismaClient): Promise<Map<string, number>> {
  const rows = await prisma.greeting.groupBy({ by: ["userId"], _count: { _all: true } });
  return new Map(rows.map((r) => [r.userId, r._count._all]));
}

/** The sum of a prom-client metric's series whose labels include `labels`. */
export async function metricValue(
  metric: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> },
  labels: Record<string, string | number>,
): Promise<number> {
  const { values } = await metric.get();
  const matches = values.filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l));
  return matches.reduce((sum, v) => sum + v.value, 0);
}

/** A producer database with its running relay, a consumer database, and a provisioned namespace of the test's own. */
export async function eventWorld(t: ExecutionContext) {
  const namespace = testNamespace(t);
  const nc = await natsConnection(t);
  const jsm = await nc.jetstreamManager();
  await ensureStream(jsm, namespace, "auth");
  await ensureDeadLetterStream(jsm, namespace);
  const producer = await eventDatabase(t);
  const relay = new OutboxRelay({ service: "auth", databaseUrl: producer.url, nats: nc, namespace, logger: testLogger });
  await relay.start();
  t.teardown(() => relay.stop());
  return { nc, namespace, producer, consumerDb: await eventDatabase(t) };
}
