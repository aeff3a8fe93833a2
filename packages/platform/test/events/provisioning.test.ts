import test from "ava";
import { AckPolicy, DeliverPolicy, nanos } from "nats";
import {
  defaultConsumerSettings,
  defaultStreamSettings,
  ensureConsumer,
  ensureStream,
  ImmutableSettingError,
  provisionEvents,
  REDELIVERY_METADATA,
} from "../../src/events/provisioning.js";
import { fileURLToPath } from "node:url";
import { Manifest } from "../../src/manifest/manifest.js";
import { eventsConfig } from "../../src/events/nats.js";
import { natsConnection, testNamespace } from "./support/events.js";

// The repository's topology: four producers, and every consumer of their streams.
const topology = Manifest.load(fileURLToPath(new URL("../../../../manifest.yaml", import.meta.url)));

test("provisions a stream per producer, the dead-letter stream and a consumer per (consumer, stream), idempotently", async (t) => {
  const namespace = testNamespace(t);
  const jsm = await (await natsConnection(t)).jetstreamManager();

  const first = await provisionEvents(jsm, { namespace, topology });
  const streams = first.filter((r) => r.kind === "stream").map((r) => r.name);
  const P = namespace.prefix.toUpperCase();
  t.deepEqual(streams, [`${P}_AUTH`, `${P}_USERS`, `${P}_ORGS`, `${P}_NOTIFICATIONS`, `${P}_DEAD_LETTERS`]);
  const consumers = topology.consumers.flatMap((c) => c.streams.length);
  t.is(first.filter((r) => r.kind === "consumer").length, consumers.reduce((a, b) => a + b, 0));
  t.true(first.every((r) => r.outcome === "created"));

  const again = await provisionEvents(jsm, { namespace, topology });
  t.true(again.every((r) => r.outcome === "unchanged"), JSON.stringify(again.filter((r) => r.outcome !== "unchanged")));

  const { config } = await jsm.streams.info(`${P}_AUTH`);
  t.like(config, {
    // The events, and replays of dead letters each meant for one consumer of them.
    subjects: [`${namespace.prefix}.auth.>`, `${namespace.prefix}.replay.*.auth.>`],
    storage: "file",
    retention: "limits",
    discard: "old",
    max_age: nanos(30 * 86_400_000),
    duplicate_window: nanos(120_000),
  });
  t.like((await jsm.streams.info(`${P}_DEAD_LETTERS`)).config, { subjects: [`${namespace.prefix}.dlq.>`] });

  const audit = await jsm.consumers.info(`${P}_ORGS`, "audit");
  t.like(audit.config, {
    durable_name: "audit",
    ack_policy: "explicit",
    deliver_policy: "all",
    filter_subjects: [`${namespace.prefix}.orgs.>`, `${namespace.prefix}.replay.audit.orgs.>`],
    max_deliver: 6, // five attempts and the spare delivery that dead-letters
    // One redelivery mechanism: the consumer's nak delays, kept in metadata; no server-side backoff to add to them.
    backoff: undefined,
    ack_wait: nanos(defaultConsumerSettings.ackWaitMs),
  });
  t.is(audit.config.metadata?.[REDELIVERY_METADATA], "1000,5000,30000,120000");
  t.is(audit.config.deliver_subject, undefined, "a pull consumer");
});

test("a changed setting updates the existing stream and consumer in place", async (t) => {
  const namespace = testNamespace(t);
  const jsm = await (await natsConnection(t)).jetstreamManager();
  await ensureStream(jsm, namespace, "auth");
  await ensureConsumer(jsm, namespace, { consumer: "users", stream: "auth" });

  const longer = { ...defaultStreamSettings, maxAgeMs: 60 * 86_400_000, duplicateWindowMs: 300_000 };
  t.deepEqual(await ensureStream(jsm, namespace, "auth", longer), { kind: "stream", name: namespace.stream("auth"), outcome: "updated" });
  t.like((await jsm.streams.info(namespace.stream("auth"))).config, { max_age: nanos(60 * 86_400_000), duplicate_window: nanos(300_000) });
  t.is((await ensureStream(jsm, namespace, "auth", longer)).outcome, "unchanged");

  const patient = { ...defaultConsumerSettings, maxDeliver: 8, backoffMs: [2_000, 10_000, 60_000] };
  t.is((await ensureConsumer(jsm, namespace, { consumer: "users", stream: "auth" }, patient)).outcome, "updated");
  const updated = (await jsm.consumers.info(namespace.stream("auth"), "users")).config;
  t.like(updated, { max_deliver: 9 }); // eight attempts and the spare
  t.is(updated.metadata?.[REDELIVERY_METADATA], "2000,10000,60000");
  t.is((await ensureConsumer(jsm, namespace, { consumer: "users", stream: "auth" }, patient)).outcome, "unchanged");

  const narrowed = await ensureConsumer(jsm, namespace, { consumer: "users", stream: "auth", filter: "auth.user.>" }, patient);
  t.is(narrowed.outcome, "updated");
  t.deepEqual((await jsm.consumers.info(namespace.stream("auth"), "users")).config.filter_subjects, [
    `${namespace.prefix}.auth.user.>`,
    `${namespace.prefix}.replay.users.auth.user.>`,
  ]);
});

test("settings NATS cannot change on an existing stream are refused clearly", async (t) => {
  const namespace = testNamespace(t);
  const jsm = await (await natsConnection(t)).jetstreamManager();
  // A stream made by hand with memory storage: provisioning must not pretend it can fix it.
  await jsm.streams.add({ name: namespace.stream("auth"), subjects: [namespace.streamSubjects("auth")], storage: "memory" as never });
  const error = await t.throwsAsync(ensureStream(jsm, namespace, "auth"), { instanceOf: ImmutableSettingError });
  t.regex(error.message, /stream .*_AUTH: storage cannot be changed from memory to file/);
});

test("a consumer needs its stream, and maxDeliver must exceed the backoff steps", async (t) => {
  const namespace = testNamespace(t);
  const jsm = await (await natsConnection(t)).jetstreamManager();
  const missing = await t.throwsAsync(ensureConsumer(jsm, namespace, { consumer: "users", stream: "auth" }));
  t.regex(missing.message, /stream .*_AUTH does not exist; provision streams first/);

  await ensureStream(jsm, namespace, "auth");
  const bad = { ...defaultConsumerSettings, maxDeliver: 2, backoffMs: [100, 200] };
  const error = await t.throwsAsync(ensureConsumer(jsm, namespace, { consumer: "users", stream: "auth" }, bad));
  t.regex(error.message, /maxDeliver \(2\) must be greater than the number of backoff steps \(2\)/);
});

test("a consumer provisioned the old way (a server-side backoff, one filter) is brought to one redelivery mechanism", async (t) => {
  const namespace = testNamespace(t);
  const jsm = await (await natsConnection(t)).jetstreamManager();
  await ensureStream(jsm, namespace, "auth");
  const stream = namespace.stream("auth");
  await jsm.consumers.add(stream, {
    durable_name: "users",
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: namespace.streamSubjects("auth"),
    ack_wait: nanos(1_000),
    max_deliver: 6,
    backoff: defaultConsumerSettings.backoffMs.map((ms) => nanos(ms)),
  });
  t.is((await ensureConsumer(jsm, namespace, { consumer: "users", stream: "auth" })).outcome, "updated");
  const { config } = await jsm.consumers.info(stream, "users");
  t.is(config.backoff, undefined, "NATS would add its backoff to the consumer's nak delay");
  t.is(config.ack_wait, nanos(defaultConsumerSettings.ackWaitMs));
  t.is(config.metadata?.[REDELIVERY_METADATA], "1000,5000,30000,120000");
  t.deepEqual(config.filter_subjects, [namespace.streamSubjects("auth"), namespace.replaySubject("users", "auth.>")]);
  t.is((await ensureConsumer(jsm, namespace, { consumer: "users", stream: "auth" })).outcome, "unchanged");
});

test("the copies each stream keeps come from JUNCTION_EVENTS_REPLICAS; a single server refuses 3 clearly", async (t) => {
  t.is(eventsConfig({}).replicas, 1);
  t.is(eventsConfig({ JUNCTION_EVENTS_REPLICAS: "3" }).replicas, 3);
  t.throws(() => eventsConfig({ JUNCTION_EVENTS_REPLICAS: "three" }), { message: /JUNCTION_EVENTS_REPLICAS/ });
  const namespace = testNamespace(t);
  const jsm = await (await natsConnection(t)).jetstreamManager();
  const error = await t.throwsAsync(ensureStream(jsm, namespace, "auth", { ...defaultStreamSettings, replicas: 3 }));
  t.regex(error.message, /cannot create stream .*_AUTH .*replicas/i);
});
