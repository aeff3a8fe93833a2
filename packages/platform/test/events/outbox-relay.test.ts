import { fromJsonString } from "@bufbuild/protobuf";
import test from "ava";
import { Match } from "nats";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { ProfileUpdatedSchema } from "@junction/gen/junction/users/v1/events_pb";
import { runInCallContext } from "../../src/call-context.js";
import { EventConsumer } from "../../src/events/event-consumer.js";
import { Outbox } from "../../src/events/outbox.js";
import { OutboxRelay } from "../../src/events/outbox-relay.js";
import { ensureDeadLetterStream, ensureStream } from "../../src/events/provisioning.js";
import { query } from "../data/postgres.js";
import { eventDatabase, greetingsByUser, natsConnection, quickRetries, registerUser, testNamespace, waitFor, testLogger } from "./support/events.js";

const outbox = new Outbox("auth");
const logger = testLogger;
const pendingRows = async (url: string) => (await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM junction_events.outbox WHERE sent_at IS NULL"))[0]!.n;

test("an outbox row commits with the domain write, or not at all", async (t) => {
  const { url, prisma } = await eventDatabase(t);
  await t.throwsAsync(
    prisma.$transaction(async (tx) => {
      await tx.account.create({ data: { id: "00000000-0000-4000-8000-000000000001", email: "a@example.com", displayName: "A" } });
      await outbox.add(tx, UserCreatedSchema, { userId: "u1", email: "a@example.com" }, { subject: "u1" });
      throw new Error("the domain changed its mind");
    }),
  );
  t.deepEqual(await query(url, "SELECT id FROM junction_events.outbox"), []);

  const id = await runInCallContext({ service: "test", method: "Register", signal: new AbortController().signal, requestId: "req-7" }, () =>
    prisma.$transaction(async (tx) => {
      await tx.account.create({ data: { id: "00000000-0000-4000-8000-000000000002", email: "b@example.com", displayName: "B" } });
      return outbox.add(tx, UserCreatedSchema, { userId: "u2", email: "b@example.com", displayName: "B" }, { subject: "u2", actorId: "admin-1", orgId: "org-1" });
    }),
  );
  const rows = await query(url, "SELECT id::text, type, source, subject, data_schema, data, correlation_id, actor_id, org_id, sent_at FROM junction_events.outbox");
  t.deepEqual(rows, [
    {
      id,
      type: "auth.user.created",
      source: "junction/auth",
      subject: "u2",
      data_schema: "proto:junction.auth.v1.UserCreated",
      data: '{"userId":"u2","email":"b@example.com","displayName":"B"}',
      correlation_id: "req-7",
      actor_id: "admin-1",
      org_id: "org-1",
      sent_at: null,
    },
  ]);
});

test("a service cannot publish another service's events", async (t) => {
  const { prisma } = await eventDatabase(t);
  const error = await t.throwsAsync(prisma.$transaction((tx) => outbox.add(tx, ProfileUpdatedSchema, { userId: "u1" }, { subject: "u1" })));
  t.regex(error.message, /junction.users.v1.ProfileUpdated \(users.profile.updated\) belongs to the users stream; the auth service cannot publish it/);
});

test("the relay publishes in order; a plain NATS client sees CloudEvents headers and a JSON body", async (t) => {
  const namespace = testNamespace(t);
  const nc = await natsConnection(t);
  await ensureStream(await nc.jetstreamManager(), namespace, "auth");
  const { url, prisma } = await eventDatabase(t);

  // Like `nats sub 't….auth.>'`: a core subscription, no JetStream API.
  const live = nc.subscribe(namespace.streamSubjects("auth"), { max: 1 });
  const userIds: string[] = [];
  for (let i = 0; i < 20; i++) userIds.push(await registerUser(prisma, outbox, i));

  const relay = new OutboxRelay({ service: "auth", databaseUrl: url, nats: nc, namespace, logger });
  await relay.start();
  t.teardown(() => relay.stop());
  await waitFor("the outbox to drain", async () => (await pendingRows(url)) === 0);

  const jsm = await nc.jetstreamManager();
  const stream = namespace.stream("auth");
  t.is((await jsm.streams.info(stream)).state.messages, 20);
  const published: string[] = [];
  for (let seq = 1; seq <= 20; seq++) {
    const stored = await jsm.streams.getMessage(stream, { seq });
    published.push(fromJsonString(UserCreatedSchema, stored.string()).userId);
  }
  t.deepEqual(published, userIds, "stream order is outbox order");

  const stored = await jsm.streams.getMessage(stream, { seq: 1 });
  const h = stored.header;
  const row = (await query<{ id: string; time: Date }>(url, "SELECT id::text, time FROM junction_events.outbox ORDER BY position LIMIT 1"))[0]!;
  t.is(stored.subject, `${namespace.prefix}.auth.user.created`);
  t.is(h.get("ce-specversion"), "1.0");
  t.is(h.get("ce-id"), row.id);
  t.is(h.get("Nats-Msg-Id"), row.id);
  t.is(h.get("ce-type"), "auth.user.created");
  t.is(h.get("ce-source"), "junction/auth");
  t.is(h.get("ce-subject"), userIds[0]!);
  t.is(h.get("ce-actorid"), userIds[0]!);
  t.is(h.get("ce-time"), row.time.toISOString());
  t.regex(h.get("ce-time"), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  t.is(h.get("ce-dataschema"), "proto:junction.auth.v1.UserCreated");
  t.is(h.get("content-type"), "application/json");
  t.deepEqual(JSON.parse(stored.string()), { userId: userIds[0], email: "user0@example.com", displayName: "User 0" });

  for await (const msg of live) {
    t.is(msg.headers?.get("ce-type", Match.IgnoreCase), "auth.user.created");
    t.is(fromJsonString(UserCreatedSchema, msg.string()).userId, userIds[0]!);
  }
});

test("a row published twice (relay crash before marking it sent) is stored once and handled once", async (t) => {
  const namespace = testNamespace(t);
  const nc = await natsConnection(t);
  const jsm = await nc.jetstreamManager();
  await ensureStream(jsm, namespace, "auth");
  await ensureDeadLetterStream(jsm, namespace);
  const { url, prisma } = await eventDatabase(t);
  const userId = await registerUser(prisma, outbox, 1);

  const relay = new OutboxRelay({ service: "auth", databaseUrl: url, nats: nc, namespace, logger });
  await relay.start();
  await waitFor("the first publish", async () => (await pendingRows(url)) === 0);
  // The crash: published and acked by JetStream, but the "sent" mark never committed.
  await query(url, "UPDATE junction_events.outbox SET sent_at = NULL");
  relay.wake();
  await waitFor("the second publish", async () => (await pendingRows(url)) === 0);
  await relay.stop();
  t.is((await jsm.streams.info(namespace.stream("auth"))).state.messages, 1, "JetStream dropped the duplicate by Nats-Msg-Id");

  const consumer = new EventConsumer({ consumer: "greeter", stream: "auth", nats: nc, prisma, namespace, settings: quickRetries, logger }).on(
    UserCreatedSchema,
    async (user, { tx, id }) => void (await tx.greeting.create({ data: { userId: user.userId, text: `Hello ${user.displayName}`, eventId: id } })),
  );
  await consumer.start();
  t.teardown(() => consumer.stop());
  await waitFor("the greeting", async () => (await greetingsByUser(prisma)).get(userId) === 1);
  await waitFor("the ack", async () => (await jsm.consumers.info(namespace.stream("auth"), "greeter")).num_ack_pending === 0);
  t.deepEqual([...(await greetingsByUser(prisma))], [[userId, 1]]);
});

test("two relays on one outbox take turns and keep the order", async (t) => {
  const namespace = testNamespace(t);
  const nc = await natsConnection(t);
  await ensureStream(await nc.jetstreamManager(), namespace, "auth");
  const { url, prisma } = await eventDatabase(t);
  const relays = [1, 2].map(() => new OutboxRelay({ service: "auth", databaseUrl: url, nats: nc, namespace, logger, batchSize: 5 }));
  await Promise.all(relays.map((r) => r.start()));
  t.teardown(() => Promise.all(relays.map((r) => r.stop())));

  const userIds: string[] = [];
  for (let i = 0; i < 40; i++) userIds.push(await registerUser(prisma, outbox, i));
  await waitFor("the outbox to drain", async () => (await pendingRows(url)) === 0);

  const jsm = await nc.jetstreamManager();
  const published: string[] = [];
  for (let seq = 1; seq <= 40; seq++) published.push(JSON.parse((await jsm.streams.getMessage(namespace.stream("auth"), { seq })).string()).userId);
  t.deepEqual(published, userIds);
});

test("the relay reports pending rows it cannot publish and keeps them until a stream exists", async (t) => {
  const namespace = testNamespace(t);
  const nc = await natsConnection(t);
  const { url, prisma } = await eventDatabase(t);
  await registerUser(prisma, outbox, 1);
  const relay = new OutboxRelay({ service: "auth", databaseUrl: url, nats: nc, namespace, logger, retryBaseMs: 50, retryMaxMs: 200 });
  await relay.start();
  t.teardown(() => relay.stop());

  const [row] = await waitFor("a failed attempt", async () => {
    const rows = await query<{ attempts: number; last_error: string }>(url, "SELECT attempts, last_error FROM junction_events.outbox");
    return rows[0]!.attempts > 0 && rows;
  });
  t.regex(row!.last_error, /no JetStream stream captures t[0-9a-f]+\.auth\.user\.created; provision streams first/);

  await ensureStream(await nc.jetstreamManager(), namespace, "auth");
  await waitFor("the row to be published", async () => (await pendingRows(url)) === 0);
});

test("a commit wakes the relay at once, long before its next poll", async (t) => {
  const namespace = testNamespace(t);
  const nc = await natsConnection(t);
  await ensureStream(await nc.jetstreamManager(), namespace, "auth");
  const { url, prisma } = await eventDatabase(t);
  const relay = new OutboxRelay({ service: "auth", databaseUrl: url, nats: nc, namespace, logger, pollIntervalMs: 60_000 });
  await relay.start();
  t.teardown(() => relay.stop());
  // Let the first (empty) scan pass, so only a notification can trigger the next one.
  await new Promise((resolve) => setTimeout(resolve, 100));

  const started = Date.now();
  await registerUser(prisma, outbox, 1);
  await waitFor("the publish", async () => (await pendingRows(url)) === 0, 5_000);
  t.true(Date.now() - started < 5_000);
});
