import test from "ava";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { runEventsCommand } from "@junction/tools/events-cli/cli";
import { DeadLetters } from "../../src/events/dead-letters.js";
import { EventConsumer } from "../../src/events/event-consumer.js";
import { eventsDeadLettered, eventsDuplicatesSkipped } from "../../src/events/metrics.js";
import { Outbox } from "../../src/events/outbox.js";
import { ensureDeadLetterStream, ensureStream } from "../../src/events/provisioning.js";
import {
  eventDatabase,
  eventWorld,
  greetingsByUser,
  metricValue,
  natsConnection,
  quickRetries,
  registerUser,
  SHARED_NATS_URL,
  testNamespace,
  waitFor,
  testLogger,
} from "./support/events.js";

const logger = testLogger;

/** Runs the events CLI in-process, as `npm run events -- …` would, and returns its exit code and output. */
async function cli(...args: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await runEventsCommand([...args, "--url", SHARED_NATS_URL], { out: (l) => lines.push(l), err: (l) => lines.push(l) }, {});
  return { code, output: lines.join("\n") };
}

test("a poison event is dead-lettered after the configured deliveries; replay after the fix is handled exactly once", async (t) => {
  const { nc, namespace, producer, consumerDb } = await eventWorld(t);
  const { prisma } = consumerDb;
  const jsm = await nc.jetstreamManager();

  let broken = true;
  let calls = 0;
  const consumer = new EventConsumer({ consumer: "greeter", stream: "auth", nats: nc, prisma, namespace, settings: quickRetries, logger }).on(
    UserCreatedSchema,
    async (user, { tx, id }) => {
      calls++;
      if (broken) throw new Error(`no greeting template for ${user.displayName}`);
      await tx.greeting.create({ data: { userId: user.userId, text: `Hello ${user.displayName}`, eventId: id } });
    },
  );
  await consumer.start();
  t.teardown(() => consumer.stop());
  const userId = await registerUser(producer.prisma, new Outbox("auth"), 1);

  const letters = new DeadLetters(nc, namespace);
  const [letter] = await waitFor("the dead letter", async () => {
    const list = await letters.list();
    return list.length > 0 && list;
  });
  t.like(letter, {
    consumer: "greeter",
    stream: namespace.stream("auth"),
    streamSequence: 1,
    deliveries: quickRetries.maxDeliver,
    error: "no greeting template for User 1",
    type: "auth.user.created",
    originalSubject: namespace.subject("auth.user.created"),
  });
  t.is(calls, quickRetries.maxDeliver);
  const stored = await jsm.streams.getMessage(namespace.deadLetterStream, { seq: letter!.seq });
  t.is(stored.subject, namespace.deadLetterSubject("greeter", "auth.user.created"));
  t.is(stored.header.get("ce-id"), letter!.eventId!);
  t.is(JSON.parse(letter!.data).userId, userId, "the original body");
  await waitFor("the original to be acknowledged", async () => (await jsm.consumers.info(namespace.stream("auth"), "greeter")).num_ack_pending === 0);
  t.is(await metricValue(eventsDeadLettered, { consumer: "greeter" }), 1);
  t.is((await greetingsByUser(prisma)).size, 0);

  const listed = await cli("dlq", "list", "--prefix", namespace.prefix);
  t.is(listed.code, 0);
  t.regex(listed.output, new RegExp(`^${letter!.seq}\\t.*\\tgreeter\\tauth\\.user\\.created\\t${letter!.eventId}\\t3\\tno greeting template for User 1$`, "m"));
  const shown = await cli("dlq", "show", String(letter!.seq), "--prefix", namespace.prefix);
  t.is(shown.code, 0);
  t.regex(shown.output, /dlq-error: no greeting template for User 1/);
  t.regex(shown.output, /dlq-deliveries: 3/);
  t.regex(shown.output, /"email": "user1@example.com"/);

  // The fix ships; replay (keeping the letter) is handled once.
  broken = false;
  const replayed = await cli("dlq", "replay", String(letter!.seq), "--keep", "--prefix", namespace.prefix);
  t.is(replayed.code, 0, replayed.output);
  await waitFor("the replayed event to be handled", async () => (await greetingsByUser(prisma)).get(userId) === 1);

  // Replaying it again is a duplicate for the inbox: acknowledged, no second greeting. Now it is removed.
  t.is((await cli("dlq", "replay", "--all", "--prefix", namespace.prefix)).code, 0);
  await waitFor("the second replay to be skipped", async () => (await metricValue(eventsDuplicatesSkipped, { consumer: "greeter" })) === 1);
  t.deepEqual([...(await greetingsByUser(prisma))], [[userId, 1]]);
  t.deepEqual(await letters.list(), []);
  t.regex((await cli("dlq", "list", "--prefix", namespace.prefix)).output, /no dead letters/);

  // JetStream kept every replay (new Nats-Msg-Id), all carrying the original ce-id.
  const stream = namespace.stream("auth");
  t.is((await jsm.streams.info(stream)).state.messages, 3);
  const ids = await Promise.all([1, 2, 3].map(async (seq) => (await jsm.streams.getMessage(stream, { seq })).header));
  t.deepEqual(new Set(ids.map((h) => h.get("ce-id"))).size, 1);
  t.deepEqual(new Set(ids.map((h) => h.get("Nats-Msg-Id"))).size, 3);
});

test("a replay goes to the consumer that failed only: another consumer's dead letter of the same event stays, and no new letter appears", async (t) => {
  const { nc, namespace, producer, consumerDb } = await eventWorld(t);
  let fixed = false;
  const handled = new Map<string, number>();
  const start = async (name: string) => {
    const consumer = new EventConsumer({ consumer: name, stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger }).on(
      UserCreatedSchema,
      async (user, { tx, id }) => {
        if (!fixed) throw new Error(`${name} cannot greet ${user.displayName} yet`);
        handled.set(name, (handled.get(name) ?? 0) + 1);
        await tx.greeting.create({ data: { userId: user.userId, text: `Hello from ${name}`, eventId: id } });
      },
    );
    await consumer.start();
    t.teardown(() => consumer.stop());
  };
  await start("mailer");
  await start("profiler");
  await registerUser(producer.prisma, new Outbox("auth"), 1);
  const letters = new DeadLetters(nc, namespace);
  const both = await waitFor("both dead letters", async () => {
    const list = await letters.list();
    return list.length === 2 && list;
  });
  const mailers = both.find((l) => l.consumer === "mailer")!;
  const profilers = both.find((l) => l.consumer === "profiler")!;
  t.is(mailers.eventId, profilers.eventId, "the same event, dead-lettered by each");

  fixed = true;
  const replayed = await cli("dlq", "replay", String(mailers.seq), "--prefix", namespace.prefix);
  t.is(replayed.code, 0, replayed.output);
  await waitFor("the mailer to handle the replay", () => handled.get("mailer") === 1);

  // The replay sits in the event's stream on the mailer's replay subject; the profiler's durable never matches it.
  const jsm = await nc.jetstreamManager();
  const stream = namespace.stream("auth");
  t.is((await jsm.streams.getMessage(stream, { seq: 2 })).subject, namespace.replaySubject("mailer", "auth.user.created"));
  const profiler = await waitFor("the profiler to settle", async () => {
    const info = await jsm.consumers.info(stream, "profiler");
    return info.num_pending === 0 && info.num_ack_pending === 0 && info;
  });
  t.is(profiler.delivered.stream_seq, 1, "the profiler was never offered the replay");
  t.is(handled.get("profiler"), undefined);
  t.deepEqual(
    (await letters.list()).map((l) => [l.seq, l.consumer]),
    [[profilers.seq, "profiler"]],
    "the profiler's letter stays; the mailer's is removed; no new letter",
  );
  t.is((await jsm.streams.info(namespace.deadLetterStream)).state.last_seq, Math.max(mailers.seq, profilers.seq), "nothing dead-lettered since");
});

test("a message that is not a CloudEvent is dead-lettered at once", async (t) => {
  const namespace = testNamespace(t);
  const nc = await natsConnection(t);
  const jsm = await nc.jetstreamManager();
  await ensureStream(jsm, namespace, "auth");
  await ensureDeadLetterStream(jsm, namespace);
  const { prisma } = await eventDatabase(t);
  const consumer = new EventConsumer({ consumer: "strict", stream: "auth", nats: nc, prisma, namespace, settings: quickRetries, logger }).on(
    UserCreatedSchema,
    async () => {},
  );
  await consumer.start();
  t.teardown(() => consumer.stop());

  await nc.jetstream().publish(namespace.subject("auth.user.created"), new TextEncoder().encode("{}"));
  const letters = new DeadLetters(nc, namespace);
  const [letter] = await waitFor("the dead letter", async () => {
    const list = await letters.list({ consumer: "strict" });
    return list.length > 0 && list;
  });
  t.like(letter, { deliveries: 1, error: "not a CloudEvent: the message has no headers" });
});

test("the CLI explains bad usage and unknown dead letters", async (t) => {
  const namespace = testNamespace(t);
  const nc = await natsConnection(t);
  await ensureDeadLetterStream(await nc.jetstreamManager(), namespace);
  t.like(await cli("dlq", "frobnicate"), { code: 2 });
  const missing = await cli("dlq", "show", "999", "--prefix", namespace.prefix);
  t.is(missing.code, 1);
  t.regex(missing.output, /no dead letter 999 in T[0-9A-F]+_DEAD_LETTERS/);
  t.regex((await cli("dlq", "replay", "--prefix", namespace.prefix)).output, /needs a sequence \(or --all\)/);
  const down = await runEventsCommand(["streams", "--url", "nats://127.0.0.1:1"], { out() {}, err: (l) => t.regex(l, /NATS at nats:\/\/127.0.0.1:1 is unreachable .*npm run setup/) }, {});
  t.is(down, 1);
});

test("an event whose last attempt never reports back (the consumer died) is dead-lettered on the spare delivery", async (t) => {
  const { namespace, producer, consumerDb } = await eventWorld(t);
  const nc = await natsConnection(t);
  const name = `dying_${Date.now().toString(36)}`;
  let attempts = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  // The first instance fails, then "dies" during its last attempt: its connection closes and
  // the handler does not return before the test ends, so nothing acknowledges, naks or
  // dead-letters that delivery.
  const doomed = await natsConnection(t);
  const first = new EventConsumer({
    consumer: name,
    stream: "auth",
    nats: doomed,
    prisma: consumerDb.prisma,
    namespace,
    settings: quickRetries,
    logger,
    handlerTimeoutMs: 500,
  }).on(UserCreatedSchema, async (_user, { deliveryCount }) => {
    attempts++;
    if (deliveryCount < quickRetries.maxDeliver) throw new Error("not yet");
    await doomed.close();
    await released;
  });
  await first.start();
  t.teardown(async () => {
    release();
    await first.stop();
  });
  const userId = await registerUser(producer.prisma, new Outbox("auth"), 1);
  await waitFor("the last attempt", async () => attempts === quickRetries.maxDeliver);

  // A restarted instance gets the spare delivery and parks the event instead of running it again.
  const second = new EventConsumer({ consumer: name, stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger }).on(
    UserCreatedSchema,
    async () => void attempts++,
  );
  await second.start();
  t.teardown(() => second.stop());
  const letters = new DeadLetters(nc, namespace);
  const [letter] = await waitFor("the dead letter", async () => {
    const list = await letters.list();
    return list.length > 0 ? list : undefined;
  }, 15_000);
  t.like(letter, { consumer: name, deliveries: quickRetries.maxDeliver + 1 });
  t.regex(letter!.error, /gave up after 3 attempts; the last one ended without an outcome/);
  t.is(attempts, quickRetries.maxDeliver, "the spare delivery does not run the handler");
  t.is(letter!.type, "auth.user.created");
  t.is(JSON.parse(letter!.data).userId, userId);
});
