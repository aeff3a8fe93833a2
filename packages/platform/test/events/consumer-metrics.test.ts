// What /metrics says about consumers: how far behind each one is (pending events and the age of
// the oldest), and how long each event of a batch took on its own.
import { randomUUID } from "node:crypto";
import test from "ava";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { consumerLagOf } from "../../src/events/consumer-lag.js";
import { EventConsumer } from "../../src/events/event-consumer.js";
import { consumerLag, consumerPending, eventHandlerDuration } from "../../src/events/metrics.js";
import { Outbox } from "../../src/events/outbox.js";
import { ensureConsumer } from "../../src/events/provisioning.js";
import { eventWorld, metricValue, quickRetries, registerUser, testLogger, waitFor } from "./support/events.js";

const outbox = new Outbox("auth");

test("consumer lag: events not yet acknowledged and the age of the oldest, from the server, back to zero once handled", async (t) => {
  const { nc, namespace, producer, consumerDb } = await eventWorld(t);
  const name = `lagging_${randomUUID().slice(0, 8)}`;
  const jsm = await nc.jetstreamManager();
  const stream = namespace.stream("auth");
  await ensureConsumer(jsm, namespace, { consumer: name, stream: "auth" }, quickRetries);
  const publishedAt = Date.now();
  for (let i = 0; i < 3; i++) await registerUser(producer.prisma, outbox, i);
  await waitFor("the events in the stream", async () => (await jsm.streams.info(stream)).state.messages === 3);
  await new Promise((resolve) => setTimeout(resolve, 300));

  const lag = await consumerLagOf(jsm, await jsm.consumers.info(stream, name));
  t.is(lag.pending, 3);
  t.true(lag.oldestPendingAgeMs >= 300 && lag.oldestPendingAgeMs <= Date.now() - publishedAt + 50, `oldest pending ${lag.oldestPendingAgeMs} ms old`);

  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const consumer = new EventConsumer({ consumer: name, stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger: testLogger, lagRefreshMs: 50 });
  await consumer.on(UserCreatedSchema, () => gate).start();
  t.teardown(() => consumer.stop());
  const labels = { consumer: name, stream };
  // Delivered but not acknowledged still counts: the first event is in hand, the rest waiting.
  await waitFor("the gauges", async () => (await metricValue(consumerPending, labels)) === 3 && (await metricValue(consumerLag, labels)) >= 0.3);
  release();
  await waitFor("the gauges back to zero", async () => (await metricValue(consumerPending, labels)) === 0 && (await metricValue(consumerLag, labels)) === 0);
});

test("a batch records each event's own handler time, not the batch's time split evenly", async (t) => {
  const { nc, namespace, producer, consumerDb } = await eventWorld(t);
  const name = `timed_${randomUUID().slice(0, 8)}`;
  const workMs = new Map<string, number>();
  for (const [i, ms] of [30, 170, 320].entries()) workMs.set(await registerUser(producer.prisma, outbox, i), ms);
  const jsm = await nc.jetstreamManager();
  await waitFor("the events in the stream", async () => (await jsm.streams.info(namespace.stream("auth"))).state.messages === 3);

  const transactions = new Set<unknown>();
  const consumer = new EventConsumer({ consumer: name, stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger: testLogger, batchSize: 32 });
  await consumer
    .on(UserCreatedSchema, async (user, { tx }) => {
      transactions.add(tx);
      await new Promise((resolve) => setTimeout(resolve, workMs.get(user.userId)));
    })
    .start();
  t.teardown(() => consumer.stop());
  const handled = { consumer: name, outcome: "handled" };
  await waitFor("three handled", async () => (await metricValue(eventHandlerDuration, { ...handled, le: "+Inf" })) === 3);
  t.is(transactions.size, 1, "one batch");
  // 30, 170 and 320 ms fall in three different buckets; an even split (~175 ms each) would put all three in one.
  t.is(await metricValue(eventHandlerDuration, { ...handled, le: 0.1 }), 1);
  t.is(await metricValue(eventHandlerDuration, { ...handled, le: 0.25 }), 2);
  t.is(await metricValue(eventHandlerDuration, { ...handled, le: 0.5 }), 3);
});
