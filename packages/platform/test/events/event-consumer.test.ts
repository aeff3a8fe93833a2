import { randomUUID } from "node:crypto";
import test from "ava";
import { UserCreatedSchema, UserDeactivatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { currentCallContext } from "../../src/call-context.js";
import { EventConsumer, type ReceivedEvent } from "../../src/events/event-consumer.js";
import { toNatsHeaders } from "../../src/events/envelope.js";
import { eventsConsumed, eventsDuplicatesSkipped, eventsRedelivered } from "../../src/events/metrics.js";
import { Outbox } from "../../src/events/outbox.js";
import { query } from "../data/postgres.js";
import {
  eventWorld,
  greetingsByUser,
  metricValue,
  quickRetries,
  registerUser,
  waitFor,
  type PrismaClient,
  testLogger,
} from "./support/events.js";
import type { ExecutionContext } from "ava";

const outbox = new Outbox("auth");
const logger = testLogger;
type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** The shared test world, with the producer's Prisma client in front. */
async function world(t: ExecutionContext) {
  const { producer, ...rest } = await eventWorld(t);
  return { ...rest, producer: producer.prisma };
}

test("a handler gets the typed message and the envelope, writes through the inbox transaction, in a call context", async (t) => {
  const { nc, namespace, producer, consumerDb } = await world(t);
  const seen: Array<{ event: Omit<ReceivedEvent<Tx>, "tx" | "signal">; requestId?: string }> = [];
  const consumer = new EventConsumer({ consumer: "meta", stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger }).on(
    UserCreatedSchema,
    async (user, { tx, signal: _signal, ...event }) => {
      seen.push({ event, requestId: currentCallContext()?.requestId });
      await tx.greeting.create({ data: { userId: user.userId, text: `Hello ${user.displayName}`, eventId: event.id } });
    },
  );
  await consumer.start();
  t.teardown(() => consumer.stop());

  const userId = await registerUser(producer, outbox, 1);
  await waitFor("the greeting", async () => (await greetingsByUser(consumerDb.prisma)).get(userId) === 1);
  const [{ event, requestId }] = seen as [(typeof seen)[number]];
  t.like(event, { type: "auth.user.created", source: "junction/auth", subject: userId, actorId: userId, streamSequence: 1, deliveryCount: 1 });
  t.regex(event.id, /^[0-9a-f-]{36}$/);
  t.true(event.time instanceof Date);
  t.is(requestId, event.id, "without a correlation id the event id correlates the handler's work");
  t.deepEqual(await query(consumerDb.url, "SELECT consumer, event_id, type FROM junction_events.inbox"), [
    { consumer: "meta", event_id: event.id, type: "auth.user.created" },
  ]);
});

test("an event already in the inbox is acknowledged without running the handler; unhandled types are skipped", async (t) => {
  const { nc, namespace, producer, consumerDb } = await world(t);
  const name = `dedupe_${randomUUID().slice(0, 8)}`;
  // Same event id already handled: as after a crash between commit and ack.
  const userId = await registerUser(producer, outbox, 1);
  const [{ id }] = (await producer.$queryRaw<Array<{ id: string }>>`SELECT id::text FROM junction_events.outbox`) as [{ id: string }];
  await query(consumerDb.url, "INSERT INTO junction_events.inbox (consumer, event_id, type) VALUES ($1, $2, 'auth.user.created')", [name, id]);
  await producer.$transaction((tx) => outbox.add(tx, UserDeactivatedSchema, { userId, reason: "test" }, { subject: userId }));

  let calls = 0;
  const consumer = new EventConsumer({ consumer: name, stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger }).on(
    UserCreatedSchema,
    async () => void calls++,
  );
  await consumer.start();
  t.teardown(() => consumer.stop());

  const jsm = await nc.jetstreamManager();
  await waitFor("both events acknowledged", async () => {
    const info = await jsm.consumers.info(namespace.stream("auth"), name);
    return info.num_pending === 0 && info.num_ack_pending === 0;
  });
  t.is(calls, 0);
  t.is(await metricValue(eventsDuplicatesSkipped, { consumer: name }), 1);
  t.is(await metricValue(eventsConsumed, { consumer: name, type: "auth.user.deactivated", outcome: "skipped" }), 1);
});

test("a failing handler's writes roll back with its inbox row, and the redelivery succeeds", async (t) => {
  const { nc, namespace, producer, consumerDb } = await world(t);
  const name = `flaky_${randomUUID().slice(0, 8)}`;
  let calls = 0;
  const consumer = new EventConsumer({ consumer: name, stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger }).on(
    UserCreatedSchema,
    async (user, { tx, id, deliveryCount }) => {
      calls++;
      await tx.greeting.create({ data: { userId: user.userId, text: "Hello", eventId: id } });
      if (deliveryCount === 1) throw new Error("transient");
    },
  );
  await consumer.start();
  t.teardown(() => consumer.stop());

  const userId = await registerUser(producer, outbox, 1);
  await waitFor("the greeting", async () => (await greetingsByUser(consumerDb.prisma)).get(userId) === 1);
  t.is(calls, 2);
  t.is(await metricValue(eventsRedelivered, { consumer: name }), 1);
  t.is(await metricValue(eventsConsumed, { consumer: name, outcome: "retried" }), 1);
  t.is(await metricValue(eventsConsumed, { consumer: name, outcome: "handled" }), 1);
});

test("stop() finishes the event being handled, including its commit and ack", async (t) => {
  const { nc, namespace, producer, consumerDb } = await world(t);
  let entered!: () => void;
  const handling = new Promise<void>((resolve) => (entered = resolve));
  // A lease shorter than the handler: the consumer must keep it alive.
  const settings = { ...quickRetries, ackWaitMs: 150 };
  const consumer = new EventConsumer({ consumer: "slow", stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings, logger }).on(
    UserCreatedSchema,
    async (user, { tx, id }) => {
      entered();
      // Longer than the delivery's lease.
      await new Promise((resolve) => setTimeout(resolve, 400));
      await tx.greeting.create({ data: { userId: user.userId, text: "Hello", eventId: id } });
    },
  );
  await consumer.start();
  const userId = await registerUser(producer, outbox, 1);
  await handling;
  await consumer.stop();

  t.is((await greetingsByUser(consumerDb.prisma)).get(userId), 1);
  const info = await (await nc.jetstreamManager()).consumers.info(namespace.stream("auth"), "slow");
  t.like(info, { num_pending: 0, num_ack_pending: 0, num_redelivered: 0 });
});

test("inbox rows older than the retention are pruned at start, only the consumer's own", async (t) => {
  const { nc, namespace, consumerDb } = await world(t);
  const insert = (consumer: string, id: string, age: string) =>
    query(consumerDb.url, `INSERT INTO junction_events.inbox (consumer, event_id, type, received_at) VALUES ($1, $2, 'x', now() - $3::interval)`, [consumer, id, age]);
  await insert("pruner", "old", "100 days");
  await insert("pruner", "recent", "1 day");
  await insert("someone_else", "old", "100 days");
  const consumer = new EventConsumer({ consumer: "pruner", stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger });
  await consumer.on(UserCreatedSchema, async () => {}).start();
  t.teardown(() => consumer.stop());
  await waitFor("the prune", async () => (await query(consumerDb.url, "SELECT 1 FROM junction_events.inbox WHERE event_id = 'old' AND consumer = 'pruner'")).length === 0);
  t.deepEqual(await query(consumerDb.url, "SELECT consumer, event_id FROM junction_events.inbox ORDER BY 1, 2"), [
    { consumer: "pruner", event_id: "recent" },
    { consumer: "someone_else", event_id: "old" },
  ]);
});

/** `count` registrations already in the stream before any consumer starts. */
async function waitingEvents(t: ExecutionContext, count: number) {
  const world_ = await world(t);
  const users: string[] = [];
  for (let i = 0; i < count; i++) users.push(await registerUser(world_.producer, outbox, i));
  const jsm = await world_.nc.jetstreamManager();
  await waitFor("all events in the stream", async () => (await jsm.streams.info(world_.namespace.stream("auth"))).state.messages >= count);
  return { ...world_, users };
}

test("deliveries already waiting are handled together, in fewer transactions than events", async (t) => {
  const { nc, namespace, consumerDb, users } = await waitingEvents(t, 12);
  const name = `batch_${randomUUID().slice(0, 8)}`;
  const transactions = new Set<unknown>();
  const consumer = new EventConsumer({ consumer: name, stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger, batchSize: 32 }).on(
    UserCreatedSchema,
    async (user, { tx, id }) => {
      transactions.add(tx);
      await tx.greeting.create({ data: { userId: user.userId, text: "Hello", eventId: id } });
    },
  );
  await consumer.start();
  t.teardown(() => consumer.stop());
  await waitFor("every greeting", async () => {
    const greetings = await greetingsByUser(consumerDb.prisma);
    return users.every((u) => greetings.get(u) === 1) || undefined;
  });
  t.deepEqual(await query(consumerDb.url, "SELECT count(*)::int AS n FROM junction_events.inbox WHERE consumer = $1", [name]), [{ n: 12 }]);
  t.true(transactions.size < 12, `${transactions.size} transactions for 12 events`);
});

test("a batch with a failing delivery rolls back and each delivery is handled alone; only the failing one is retried", async (t) => {
  const { nc, namespace, consumerDb, users } = await waitingEvents(t, 6);
  const name = `batchfail_${randomUUID().slice(0, 8)}`;
  const poison = users[3]!;
  let poisonCalls = 0;
  const consumer = new EventConsumer({ consumer: name, stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger, batchSize: 32 }).on(
    UserCreatedSchema,
    async (user, { tx, id, deliveryCount }) => {
      await tx.greeting.create({ data: { userId: user.userId, text: "Hello", eventId: id } });
      if (user.userId === poison && (poisonCalls++, deliveryCount === 1)) throw new Error("first delivery fails");
    },
  );
  await consumer.start();
  t.teardown(() => consumer.stop());
  const greetings = await waitFor("every greeting", async () => {
    const found = await greetingsByUser(consumerDb.prisma);
    return users.every((u) => found.get(u) === 1) ? found : undefined;
  });
  t.is(greetings.size, 6, "one effect per event");
  t.true(poisonCalls >= 2 && poisonCalls <= 3, "in the batch (when batched), alone on the same delivery, and on its redelivery");
  t.is(await metricValue(eventsConsumed, { consumer: name, outcome: "retried" }), 1);
  t.is(await metricValue(eventsConsumed, { consumer: name, outcome: "handled" }), 6);
});

test("otherwise() receives event types the consumer has no handler for, as JSON text, in the inbox transaction", async (t) => {
  const { nc, namespace, consumerDb } = await world(t);
  const name = `catchall_${randomUUID().slice(0, 8)}`;
  const seen: Array<{ json: string; type: string }> = [];
  const consumer = new EventConsumer({ consumer: name, stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger })
    .on(UserCreatedSchema, async () => {})
    .otherwise(async (json, { type }) => void seen.push({ json, type }));
  await consumer.start();
  t.teardown(() => consumer.stop());
  // A type from a newer producer: valid CloudEvents headers, a type this build has no schema for.
  const headers = toNatsHeaders({
    id: randomUUID(),
    type: "auth.user.renamed",
    source: "junction/auth",
    time: new Date().toISOString(),
    subject: "u1",
    dataSchema: "proto:junction.auth.v1.UserRenamed",
    dataContentType: "application/json",
  });
  await nc.jetstream().publish(namespace.subject("auth.user.renamed"), JSON.stringify({ userId: "u1", newName: "Ada" }), { headers });
  await waitFor("the catch-all to see it", async () => seen.length === 1);
  t.deepEqual(seen, [{ json: '{"userId":"u1","newName":"Ada"}', type: "auth.user.renamed" }]);
  // The handler ran inside the transaction; its inbox row is there once that commits.
  const inbox = () => query(consumerDb.url, "SELECT type FROM junction_events.inbox WHERE consumer = $1", [name]);
  await waitFor("the commit", async () => (await inbox()).length > 0);
  t.deepEqual(await inbox(), [{ type: "auth.user.renamed" }]);
});

test("one batch claims its events together: an id seen before and a second copy of one id are duplicates, the others run once", async (t) => {
  const { nc, namespace, consumerDb } = await world(t);
  const name = `claims_${randomUUID().slice(0, 8)}`;
  const envelope = (id: string, userId: string) => ({
    id,
    type: "auth.user.created",
    source: "junction/auth",
    time: new Date().toISOString(),
    subject: userId,
    dataSchema: "proto:junction.auth.v1.UserCreated",
    dataContentType: "application/json",
  });
  const handledBefore = randomUUID();
  const twice = randomUUID();
  const fresh = [randomUUID(), randomUUID()];
  await query(consumerDb.url, "INSERT INTO junction_events.inbox (consumer, event_id, type) VALUES ($1, $2, 'auth.user.created')", [name, handledBefore]);
  // Published before the consumer starts, so they usually arrive in one batch; each copy under its own
  // message id (as a replay would), so JetStream keeps both.
  const js = nc.jetstream();
  const deliveries = [handledBefore, twice, fresh[0]!, twice, fresh[1]!];
  for (const [i, id] of deliveries.entries()) {
    await js.publish(namespace.subject("auth.user.created"), JSON.stringify({ userId: `u-${id}`, displayName: `n${i}` }), { headers: toNatsHeaders(envelope(id, `u-${id}`)), msgID: `${id}-${i}` });
  }
  const handled: string[] = [];
  const consumer = new EventConsumer({ consumer: name, stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger, batchSize: 32 }).on(
    UserCreatedSchema,
    async (user) => void handled.push(user.userId),
  );
  await consumer.start();
  t.teardown(() => consumer.stop());
  await waitFor("every delivery settled", async () => (await metricValue(eventsConsumed, { consumer: name, outcome: "duplicate" })) + handled.length === deliveries.length);
  t.deepEqual(handled, [twice, fresh[0]!, fresh[1]!].map((id) => `u-${id}`), "each new event once, in stream order");
  t.is(await metricValue(eventsDuplicatesSkipped, { consumer: name }), 2);
  const rows = await query<{ event_id: string }>(consumerDb.url, "SELECT event_id FROM junction_events.inbox WHERE consumer = $1 ORDER BY event_id", [name]);
  t.deepEqual(rows.map((r) => r.event_id), [handledBefore, twice, ...fresh].sort());
});
