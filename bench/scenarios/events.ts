// Events end to end — domain write + outbox row in one transaction, relay to JetStream,
// idempotent consumer writing its effect with the inbox row — vs. bare JetStream publish and
// consume of the same payloads. Both deliver the same number of events through the same NATS.
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { toJsonString, create } from "@bufbuild/protobuf";
import { AckPolicy, connect, type NatsConnection } from "nats";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { connectPostgres, createLogger, ensureDatabase, EventConsumer, EventNamespace, migrateEventTables, openDatabase, Outbox, OutboxRelay, provisionEvents, quoteIdentifier } from "@junction/platform";
import { PrismaClient } from "../../packages/platform/test/fixtures/events-prisma/generated/client.js";
import { summarizeLatencies, type LoadResult, type LoadShape } from "../load.js";
import type { Comparison } from "../report.js";

const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const fixtureMigrations = fileURLToPath(new URL("../../packages/platform/test/fixtures/events-prisma/migrations", import.meta.url));

async function removeNamespace(nc: NatsConnection, namespace: EventNamespace) {
  const jsm = await nc.jetstreamManager();
  for await (const stream of jsm.streams.list()) if (namespace.ownsStream(stream.config.name)) await jsm.streams.delete(stream.config.name);
}

/** Bare JetStream: publish `count` payloads (acked, `concurrency` in flight) and consume them with one pull consumer. */
async function bareJetStream(nc: NatsConnection, count: number, concurrency: number): Promise<LoadResult> {
  const stream = `BENCH_${randomBytes(4).toString("hex").toUpperCase()}`;
  const subject = `${stream.toLowerCase()}.auth.user.created`;
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] });
  await jsm.consumers.add(stream, { durable_name: "bench", ack_policy: AckPolicy.Explicit });
  const js = nc.jetstream();
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const started = performance.now();
  const consumer = await js.consumers.get(stream, "bench");
  const consumed = (async () => {
    while (latencies.length < count) {
      const batch = await consumer.fetch({ max_messages: Math.min(256, count - latencies.length), expires: 1000 });
      for await (const msg of batch) {
        latencies.push(performance.now() - sentAt.get(msg.headers?.get("Nats-Msg-Id") ?? "")!);
        msg.ack();
      }
    }
  })();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const id = randomUUID();
        const body = toJsonString(UserCreatedSchema, create(UserCreatedSchema, { userId: id, email: `u${i}@example.com`, displayName: `User ${i}` }));
        sentAt.set(id, performance.now());
        await js.publish(subject, body, { msgID: id });
      }
    }),
  );
  await consumed;
  const elapsed = performance.now() - started;
  await jsm.streams.delete(stream);
  return summarizeLatencies(latencies, elapsed);
}

/** Junction: `count` registrations through the outbox, relayed and consumed with inbox de-duplication. */
async function junctionEvents(nc: NatsConnection, count: number, concurrency: number): Promise<LoadResult> {
  const logger = createLogger("bench-events", "warn");
  const url = `postgres://postgres@127.0.0.1:5432/junction_bench_${randomBytes(4).toString("hex")}`;
  await ensureDatabase(url);
  const prisma = await openDatabase({ service: "bench", url, migrationsDir: fixtureMigrations, PrismaClient });
  await migrateEventTables(url);
  const namespace = new EventNamespace(`b${randomBytes(4).toString("hex")}`);
  await provisionEvents(await nc.jetstreamManager(), { namespace, topology: { producers: ["auth"], consumers: [{ service: "bench", streams: ["auth"] }] } });
  const relay = new OutboxRelay({ service: "auth", databaseUrl: url, nats: nc, logger, namespace });
  await relay.start();
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  let done!: () => void;
  const allHandled = new Promise<void>((resolve) => (done = resolve));
  const consumer = new EventConsumer({ consumer: "bench", stream: "auth", nats: nc, prisma, logger, namespace, batchSize: 32 }).on(UserCreatedSchema, async (user, { tx, id }) => {
    await tx.greeting.create({ data: { userId: user.userId, text: `Hello ${user.displayName}`, eventId: id } });
    latencies.push(performance.now() - committedAt.get(user.userId)!);
    if (latencies.length === count) done();
  });
  await consumer.start();
  const outbox = new Outbox("auth");
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const id = randomUUID();
        committedAt.set(id, performance.now());
        await prisma.$transaction(async (tx) => {
          await tx.account.create({ data: { id, email: `u${i}@example.com`, displayName: `User ${i}` } });
          await outbox.add(tx, UserCreatedSchema, { userId: id, email: `u${i}@example.com`, displayName: `User ${i}` }, { subject: id, actorId: id });
        });
      }
    }),
  );
  await allHandled;
  const elapsed = performance.now() - started;
  await consumer.stop();
  await relay.stop();
  await prisma.$disconnect();
  await removeNamespace(nc, namespace);
  const admin = await connectPostgres("postgres://postgres@127.0.0.1:5432/postgres");
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(new URL(url).pathname.slice(1))} WITH (FORCE)`);
  await admin.end();
  return summarizeLatencies(latencies, elapsed);
}

/** Measures both paths with the same number of events. */
export async function eventsEndToEnd(shape: LoadShape): Promise<Comparison> {
  const count = Math.max(50, Math.round(shape.durationMs)); // ~1 event per ms of the requested duration
  const nc = await connect({ servers: natsUrl });
  try {
    const baseline = await bareJetStream(nc, count, shape.concurrency);
    const junction = await junctionEvents(nc, count, shape.concurrency);
    return { name: "events end to end", junction, baseline, baselineName: "bare JetStream publish + consume", target: 0.5, notes: `${count} events each; latency = commit (or publish) → handled` };
  } finally {
    await nc.close();
  }
}
