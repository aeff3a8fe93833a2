import test from "ava";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { EventConsumer } from "../../src/events/event-consumer.js";
import { outboxPending } from "../../src/events/metrics.js";
import { EventNamespace } from "../../src/events/namespace.js";
import { Outbox } from "../../src/events/outbox.js";
import { OutboxRelay } from "../../src/events/outbox-relay.js";
import { provisionEvents } from "../../src/events/provisioning.js";
import { query } from "../data/postgres.js";
import { eventDatabase, greetingsByUser, metricValue, natsConnection, quickRetries, registerUser, testLogger, waitFor } from "./support/events.js";
import { TestNatsServer } from "./support/nats-server.js";

test("with NATS stopped, domain writes and outbox rows still commit; once it is back, every event reaches the consumer once", async (t) => {
  // A server of this test's own: stopping it leaves the machine's NATS alone. Its namespace can be the root one.
  const server = await TestNatsServer.start(t);
  const namespace = EventNamespace.root;
  const nc = await natsConnection(t, server.url);
  await provisionEvents(await nc.jetstreamManager(), { namespace, topology: { producers: ["auth"], consumers: [] } });

  const producer = await eventDatabase(t);
  const relay = new OutboxRelay({
    service: "auth-outage",
    databaseUrl: producer.url,
    nats: nc,
    namespace,
    logger: testLogger,
    publishTimeoutMs: 500,
    retryBaseMs: 100,
    retryMaxMs: 1000,
  });
  await relay.start();
  t.teardown(() => relay.stop());
  const { prisma } = await eventDatabase(t);
  const consumer = new EventConsumer({ consumer: "greeter", stream: "auth", nats: nc, prisma, namespace, settings: quickRetries, logger: testLogger, pullExpiresMs: 1000 }).on(
    UserCreatedSchema,
    async (user, { tx, id }) => void (await tx.greeting.create({ data: { userId: user.userId, text: "Hello", eventId: id } })),
  );
  await consumer.start();
  t.teardown(() => consumer.stop());

  const outbox = new Outbox("auth");
  const users = [await registerUser(producer.prisma, outbox, 0)];
  await waitFor("the first greeting", async () => (await greetingsByUser(prisma)).size === 1);

  await server.stop();
  for (let i = 1; i <= 10; i++) users.push(await registerUser(producer.prisma, outbox, i));
  t.deepEqual(await query(producer.url, "SELECT count(*)::int AS n FROM accounts"), [{ n: 11 }], "domain writes commit without NATS");
  await waitFor("the relay to try and fail", async () => {
    const [row] = await query<{ attempts: number }>(producer.url, "SELECT max(attempts)::int AS attempts FROM junction_events.outbox WHERE sent_at IS NULL");
    return row!.attempts > 0;
  });
  t.is(await metricValue(outboxPending, { producer: "auth-outage" }), 10);

  await server.resume();
  await waitFor("every greeting", async () => (await greetingsByUser(prisma)).size === 11, 30_000);
  const byUser = await greetingsByUser(prisma);
  t.true(users.every((id) => byUser.get(id) === 1));
  await waitFor("the outbox to drain", async () => (await query<{ n: number }>(producer.url, "SELECT count(*)::int AS n FROM junction_events.outbox WHERE sent_at IS NULL"))[0]!.n === 0);
  t.is((await (await nc.jetstreamManager()).streams.info("AUTH")).state.messages, 11, "nothing lost, nothing stored twice");
});
