// A real outage of a consumer's own database: a PostgreSQL cluster of the test's own, stopped
// for much longer than the consumer's whole retry schedule, then started again.
import test from "ava";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { EventConsumer } from "../../src/events/event-consumer.js";
import { consumerPaused, eventsDeadLettered, eventsRedelivered } from "../../src/events/metrics.js";
import { Outbox } from "../../src/events/outbox.js";
import { eventDatabase, eventWorld, greetingsByUser, metricValue, quickRetries, registerUser, testLogger, waitFor } from "./support/events.js";
import { TestPostgresCluster } from "./support/postgres-cluster.js";

const SCHEDULE_MS = quickRetries.backoffMs.reduce((a, b) => a + b, 0);

test("a consumer whose database is down longer than its retry schedule pauses, dead-letters nothing, and handles every event once when it is back", async (t) => {
  const { nc, namespace, producer } = await eventWorld(t);
  const cluster = await TestPostgresCluster.start(t);
  const { prisma } = await eventDatabase(t, cluster.url("junction_greeter"));
  const deliveries: number[] = [];
  const consumer = new EventConsumer({
    consumer: "greeter",
    stream: "auth",
    nats: nc,
    prisma,
    namespace,
    // The quick schedule, with an ack wait a loaded machine cannot outlast: under the whole suite
    // the first handling after the database returned took over a second once, and NATS delivered
    // the event a second time (skipped by the inbox, but counted as a redelivery).
    settings: { ...quickRetries, ackWaitMs: 3000 },
    logger: testLogger,
    pauseRetry: { firstMs: 100, longestMs: 400 },
  }).on(UserCreatedSchema, async (user, { tx, id, deliveryCount }) => {
    deliveries.push(deliveryCount);
    await tx.greeting.create({ data: { userId: user.userId, text: `Hello ${user.displayName}`, eventId: id } });
  });
  await consumer.start();
  t.teardown(() => consumer.stop());
  const readiness = consumer.readiness();
  const ready = () => readiness.check().then(() => true, (error: Error) => error.message);
  const outbox = new Outbox("auth");
  const users = [await registerUser(producer.prisma, outbox, 0)];
  await waitFor("the first greeting", async () => (await greetingsByUser(prisma)).size === 1);
  t.true(await ready());

  await cluster.stop();
  for (let i = 1; i <= 5; i++) users.push(await registerUser(producer.prisma, outbox, i));
  const why = await waitFor("the consumer to pause", async () => {
    const state = await ready();
    return state !== true && state;
  });
  t.regex(why as string, /^paused since .*: .*(reach|connection|terminat)/i);
  t.is(await metricValue(consumerPaused, { consumer: "greeter" }), 1);
  // Down for many times the whole schedule: every event would have been dead-lettered by now.
  await new Promise((resolve) => setTimeout(resolve, 6 * SCHEDULE_MS));
  const jsm = await nc.jetstreamManager();
  t.is((await jsm.streams.info(namespace.deadLetterStream)).state.messages, 0, "nothing dead-lettered during the outage");
  t.not(await ready(), true, "still paused");

  await cluster.resume();
  await waitFor("every greeting", async () => (await greetingsByUser(prisma)).size === users.length, 30_000);
  const greetings = await greetingsByUser(prisma);
  t.true(users.every((id) => greetings.get(id) === 1), "each event handled exactly once");
  t.true(await ready(), "ready again");
  t.is(await metricValue(consumerPaused, { consumer: "greeter" }), 0);
  t.is((await jsm.streams.info(namespace.deadLetterStream)).state.messages, 0);
  t.is(await metricValue(eventsDeadLettered, { consumer: "greeter" }), 0);
  // The outage spent no attempt: every event was handled on its first delivery, none came again.
  t.deepEqual(deliveries, users.map(() => 1));
  await waitFor("the acks", async () => (await jsm.consumers.info(namespace.stream("auth"), "greeter")).num_ack_pending === 0);
  t.is(await metricValue(eventsRedelivered, { consumer: "greeter" }), 0);
});
