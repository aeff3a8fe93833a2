// A failed event comes again on the consumer's schedule and nothing else: the nak delay is the
// only redelivery mechanism (a server-side backoff used to add to it, doubling the gaps).
import test from "ava";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { EventConsumer } from "../../src/events/event-consumer.js";
import { Outbox } from "../../src/events/outbox.js";
import { defaultConsumerSettings } from "../../src/events/provisioning.js";
import { eventWorld, registerUser, testLogger, waitFor } from "./support/events.js";

const SCHEDULE_MS = [200, 400, 800];
// Late by at most this much: the nak's round trip, the server's timer, a loaded 2-core machine.
const TOLERANCE_MS = 150;

test("the default schedule is the documented one: 1 s, 5 s, 30 s, 2 min", (t) => {
  t.deepEqual(defaultConsumerSettings.backoffMs, [1_000, 5_000, 30_000, 120_000]);
});

test("each redelivery comes after exactly its delay in the schedule", async (t) => {
  const { nc, namespace, producer, consumerDb } = await eventWorld(t);
  const arrivals: number[] = [];
  const settings = { maxDeliver: SCHEDULE_MS.length + 1, backoffMs: SCHEDULE_MS, ackWaitMs: 5_000, maxAckPending: 100 };
  const consumer = new EventConsumer({ consumer: "unlucky", stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings, logger: testLogger }).on(
    UserCreatedSchema,
    async () => {
      arrivals.push(performance.now());
      throw new Error("always fails");
    },
  );
  await consumer.start();
  t.teardown(() => consumer.stop());
  await registerUser(producer.prisma, new Outbox("auth"), 1);
  await waitFor("every attempt", () => arrivals.length === settings.maxDeliver);

  const gaps = arrivals.slice(1).map((at, i) => Math.round(at - arrivals[i]!));
  t.log(`gaps between deliveries: ${gaps.join(", ")} ms for a schedule of ${SCHEDULE_MS.join(", ")} ms`);
  gaps.forEach((gap, i) => {
    t.true(gap >= SCHEDULE_MS[i]! - 5 && gap <= SCHEDULE_MS[i]! + TOLERANCE_MS, `gap ${i + 1}: ${gap} ms, expected ${SCHEDULE_MS[i]} ms`);
  });
});
