// One event pipeline delivering --count "user created" events end to end, as its own process:
//   junction   domain row + outbox row in one transaction → relay → JetStream → consumer writing
//              the greeting with its inbox row in one transaction (the platform's guarantees);
//   dual-write the same rows the naive way: insert the account, then publish; consume, insert the
//              greeting, ack — no outbox, no inbox, nothing kept if a step fails in between;
//              through node-postgres;
//   dual-write-prisma  the same dual write through Prisma, the client Junction's services use,
//              so the difference to junction is what the guarantees cost, not the client;
//   jetstream  publish and consume the same payloads, no database at all.
// Throughput is events per second from the first write to the last one handled; latency is each
// event's first write (or publish) → handled. Prints one "result {...}" line.
import { randomBytes, randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { create, toJsonString } from "@bufbuild/protobuf";
import { AckPolicy, connect, type NatsConnection } from "nats";
import pg from "pg";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { connectPostgres, createLogger, ensureDatabase, EventConsumer, EventNamespace, migrateEventTables, openDatabase, Outbox, OutboxRelay, provisionEvents, quoteIdentifier } from "@junction/platform";
import { PrismaClient } from "../../packages/platform/test/fixtures/events-prisma/generated/client.js";
import { loadShape, report, type CallerResult } from "./closed-loop.js";

const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const POSTGRES = process.env.JUNCTION_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432";
const FIXTURE_MIGRATIONS = resolve("packages/platform/test/fixtures/events-prisma/migrations");

interface Timing {
  /** When each event was committed (or published), by its user id. */
  sentAt: Map<string, number>;
  latencies: number[];
}

function summary(timing: Timing, elapsedMs: number, cpuBefore: NodeJS.CpuUsage): CallerResult {
  const latencies = timing.latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  const cpu = process.cpuUsage(cpuBefore);
  return { calls: latencies.length, errors: 0, perSecond: latencies.length / (elapsedMs / 1000), p50Ms: at(50), p99Ms: at(99), cpuUsPerCall: (cpu.user + cpu.system) / latencies.length };
}

const payload = (i: number, id: string) => ({ userId: id, email: `u${i}-${id.slice(0, 8)}@example.com`, displayName: `User ${i}` });

/** Writes `count` new users with `concurrency` producers at a time, stamping when each was sent. */
async function produceAll(count: number, concurrency: number, timing: Timing, write: (id: string, user: ReturnType<typeof payload>) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const id = randomUUID();
        timing.sentAt.set(id, performance.now());
        await write(id, payload(i, id));
      }
    }),
  );
}

async function freshDatabase(): Promise<string> {
  const url = `${POSTGRES}/junction_bench_${randomBytes(4).toString("hex")}`;
  await ensureDatabase(url);
  return url;
}

async function dropDatabase(url: string): Promise<void> {
  const admin = await connectPostgres(`${POSTGRES}/postgres`);
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(new URL(url).pathname.slice(1))} WITH (FORCE)`);
  await admin.end();
}

async function jetstreamStream(nc: NatsConnection) {
  const stream = `BENCH_${randomBytes(4).toString("hex").toUpperCase()}`;
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] });
  await jsm.consumers.add(stream, { durable_name: "bench", ack_policy: AckPolicy.Explicit });
  return { stream, subject: `${stream.toLowerCase()}.auth.user.created`, remove: () => jsm.streams.delete(stream) };
}

/** The rows a dual write inserts, through one database client. */
interface DualWriteRows {
  account(id: string, user: ReturnType<typeof payload>): Promise<unknown>;
  greeting(userId: string, text: string, eventId: string): Promise<unknown>;
  close(): Promise<void>;
}

/** The dual write's inserts through node-postgres: a pool for the producers, one connection for the consumer. */
async function postgresRows(database: string, concurrency: number): Promise<DualWriteRows> {
  const pool = new pg.Pool({ connectionString: database, max: Math.min(concurrency, 10) });
  const consumerDb = await connectPostgres(database);
  return {
    account: (id, user) => pool.query("INSERT INTO accounts (id, email, display_name) VALUES ($1, $2, $3)", [id, user.email, user.displayName]),
    greeting: (userId, text, eventId) => consumerDb.query("INSERT INTO greetings (user_id, text, event_id) VALUES ($1, $2, $3)", [userId, text, eventId]),
    close: async () => {
      await pool.end();
      await consumerDb.end();
    },
  };
}

/** The same inserts through Prisma, opened the way the platform opens a service's database. */
async function prismaRows(database: string): Promise<DualWriteRows> {
  const prisma = await openDatabase({ service: "bench", url: database, migrationsDir: FIXTURE_MIGRATIONS, PrismaClient });
  return {
    account: (id, user) => prisma.account.create({ data: { id, email: user.email, displayName: user.displayName } }),
    greeting: (userId, text, eventId) => prisma.greeting.create({ data: { userId, text, eventId } }),
    close: () => prisma.$disconnect(),
  };
}

/** The database client of a dual-write `pipeline`, with the fixture's tables migrated. */
async function dualWriteRows(pipeline: string, database: string, concurrency: number): Promise<DualWriteRows> {
  if (pipeline === "dual-write-prisma") return prismaRows(database);
  if (pipeline !== "dual-write") throw new Error(`unknown pipeline ${pipeline}: junction, dual-write, dual-write-prisma or jetstream`);
  await openDatabase({ service: "bench", url: database, migrationsDir: FIXTURE_MIGRATIONS, PrismaClient }).then((p) => p.$disconnect());
  return postgresRows(database, concurrency);
}

/** Bare JetStream, or with `rows` the dual write around it. */
async function publishConsume(nc: NatsConnection, count: number, concurrency: number, rows?: DualWriteRows): Promise<CallerResult> {
  const { stream, subject, remove } = await jetstreamStream(nc);
  const js = nc.jetstream();
  const timing: Timing = { sentAt: new Map(), latencies: [] };
  const consumer = await js.consumers.get(stream, "bench");
  const messages = await consumer.consume({ max_messages: 256 });
  const consumed = (async () => {
    for await (const msg of messages) {
      const event = msg.json<{ userId: string; displayName: string }>();
      await rows?.greeting(event.userId, `Hello ${event.displayName}`, msg.headers?.get("Nats-Msg-Id") ?? "");
      msg.ack();
      timing.latencies.push(performance.now() - timing.sentAt.get(event.userId)!);
      if (timing.latencies.length === count) break;
    }
  })();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await produceAll(count, concurrency, timing, async (id, user) => {
    await rows?.account(id, user);
    await js.publish(subject, toJsonString(UserCreatedSchema, create(UserCreatedSchema, user)), { msgID: id });
  });
  await consumed;
  const result = summary(timing, performance.now() - started, cpu);
  // Leaving the for-await above already stopped the consumer; close() would wait forever.
  await remove();
  await rows?.close();
  return result;
}

/** The platform's outbox, relay and idempotent consumer. */
async function junction(nc: NatsConnection, count: number, concurrency: number, database: string): Promise<CallerResult> {
  const logger = createLogger("bench-events", "warn");
  const prisma = await openDatabase({ service: "bench", url: database, migrationsDir: FIXTURE_MIGRATIONS, PrismaClient });
  await migrateEventTables(database);
  const namespace = new EventNamespace(`b${randomBytes(4).toString("hex")}`);
  await provisionEvents(await nc.jetstreamManager(), { namespace, topology: { producers: ["auth"], consumers: [{ service: "bench", streams: ["auth"] }] } });
  const relay = new OutboxRelay({ service: "auth", databaseUrl: database, nats: nc, logger, namespace });
  await relay.start();
  const timing: Timing = { sentAt: new Map(), latencies: [] };
  let done!: () => void;
  const allHandled = new Promise<void>((resolve) => (done = resolve));
  const consumer = new EventConsumer({ consumer: "bench", stream: "auth", nats: nc, prisma, logger, namespace, batchSize: 32 }).on(UserCreatedSchema, async (user, { tx, id }) => {
    await tx.greeting.create({ data: { userId: user.userId, text: `Hello ${user.displayName}`, eventId: id } });
    timing.latencies.push(performance.now() - timing.sentAt.get(user.userId)!);
    if (timing.latencies.length === count) done();
  });
  await consumer.start();
  const outbox = new Outbox("auth");
  const cpu = process.cpuUsage();
  const started = performance.now();
  await produceAll(count, concurrency, timing, async (id, user) => {
    await prisma.$transaction(async (tx) => {
      await tx.account.create({ data: { id, email: user.email, displayName: user.displayName } });
      await outbox.add(tx, UserCreatedSchema, user, { subject: id, actorId: id });
    });
  });
  await allHandled;
  const result = summary(timing, performance.now() - started, cpu);
  await consumer.stop();
  await relay.stop();
  await prisma.$disconnect();
  const jsm = await nc.jetstreamManager();
  for await (const stream of jsm.streams.list()) if (namespace.ownsStream(stream.config.name)) await jsm.streams.delete(stream.config.name);
  return result;
}

const shape = loadShape();
const count = Number(shape.values.count ?? 1000);
const pipeline = shape.values.pipeline ?? "junction";
const nc = await connect({ servers: NATS_URL });
const database = pipeline === "jetstream" ? undefined : await freshDatabase();
try {
  const rows = database && pipeline !== "junction" ? await dualWriteRows(pipeline, database, shape.concurrency) : undefined;
  const result = pipeline === "junction" ? await junction(nc, count, shape.concurrency, database!) : await publishConsume(nc, count, shape.concurrency, rows);
  report(result);
} finally {
  await nc.close();
  if (database) await dropDatabase(database);
}
process.exit(0);
