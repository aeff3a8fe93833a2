// `npm run events`: --json for every command, consumer lag as a time, each service's outbox from
// its own database, dead letters' errors in full, and quiet output into a closed pipe (| head).
import { spawn } from "node:child_process";
import test from "ava";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { runEventsCommand } from "@junction/tools/events-cli/cli";
import { EventConsumer } from "../../src/events/event-consumer.js";
import { Outbox } from "../../src/events/outbox.js";
import { ensureConsumer } from "../../src/events/provisioning.js";
import { repositoryRoot } from "../support/tools.js";
import { eventDatabase, eventWorld, quickRetries, registerUser, SHARED_NATS_URL, testLogger, waitFor } from "./support/events.js";

/** Runs the events CLI in-process with `env`; stdout and stderr apart. */
async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runEventsCommand([...args, "--url", SHARED_NATS_URL], { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

// A Prisma-like error: the invocation first, over several lines, and the reason at the very end.
const LONG_ERROR = `Invalid \`tx.greeting.create()\` invocation:\n${"  → context line\n".repeat(300)}the reason: greetings_user_id_fkey violated`;

test("every command answers --json; streams show each consumer's lag as a time; dead letters keep their whole error", async (t) => {
  const { nc, namespace, producer, consumerDb } = await eventWorld(t);
  const jsm = await nc.jetstreamManager();
  const env = {};
  const prefix = ["--prefix", namespace.prefix];
  // One consumer that fails every event (a dead letter), one that is behind (never started).
  const failing = new EventConsumer({ consumer: "failing", stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger: testLogger });
  await failing
    .on(UserCreatedSchema, async () => {
      throw new Error(LONG_ERROR);
    })
    .start();
  t.teardown(() => failing.stop());
  await ensureConsumer(jsm, namespace, { consumer: "behind", stream: "auth" }, quickRetries);
  await registerUser(producer.prisma, new Outbox("auth"), 1);
  await waitFor("the dead letter", async () => (await jsm.streams.info(namespace.deadLetterStream)).state.messages === 1);
  await new Promise((resolve) => setTimeout(resolve, 1100));

  const streams = await cli(env, "streams", ...prefix);
  t.is(streams.code, 0, streams.err);
  t.regex(streams.out, /consumer behind {2}pending=1 {2}lag=\d+s .*backoff=150ms,300ms {2}lease=1s/);
  const streamsJson = JSON.parse((await cli(env, "streams", "--json", ...prefix)).out) as { streams: Array<{ name: string; consumers: Array<{ name: string; pending: number; lagSeconds: number }> }> };
  const behind = streamsJson.streams.find((s) => s.name === namespace.stream("auth"))!.consumers.find((c) => c.name === "behind")!;
  t.is(behind.pending, 1);
  t.true(behind.lagSeconds >= 1 && behind.lagSeconds < 30, `lag ${behind.lagSeconds} s`);

  const provision = JSON.parse((await cli(env, "provision", "--json", ...prefix)).out) as { results: Array<{ kind: string; outcome: string }> };
  t.true(provision.results.length > 0 && provision.results.every((r) => ["created", "updated", "unchanged"].includes(r.outcome)));

  const list = await cli(env, "dlq", "list", ...prefix);
  const [row] = list.out.split("\n").slice(1);
  const error = row!.split("\t").at(-1)!;
  t.true(error.startsWith("Invalid `tx.greeting.create()` invocation: → context line"), "one line");
  t.true(error.endsWith("the reason: greetings_user_id_fkey violated"), "the reason at the end is kept, not cut off");
  const [letter] = JSON.parse((await cli(env, "dlq", "list", "--json", ...prefix)).out) as Array<{ seq: number; consumer: string; error: string }>;
  t.like(letter, { consumer: "failing", error });
  const shown = JSON.parse((await cli(env, "dlq", "show", String(letter!.seq), "--json", ...prefix)).out) as { body: { email: string }; headers: Record<string, string> };
  t.is(shown.body.email, "user1@example.com");
  t.is(shown.headers["dlq-consumer"], "failing");
  const replayed = JSON.parse((await cli(env, "dlq", "replay", String(letter!.seq), "--keep", "--json", ...prefix)).out) as { replayed: Array<{ consumer: string; subject: string; removed: boolean }> };
  t.deepEqual(replayed.replayed.map((r) => [r.consumer, r.subject, r.removed]), [["failing", namespace.replaySubject("failing", "auth.user.created"), false]]);

  const failed = await cli(env, "dlq", "show", "999", "--json", ...prefix);
  t.is(failed.code, 1);
  t.regex(JSON.parse(failed.err).error, /no dead letter 999/);
});

test("outbox: each producing service's unsent rows and the age of the oldest, from the database the service uses", async (t) => {
  const auth = await eventDatabase(t);
  const outbox = new Outbox("auth");
  await registerUser(auth.prisma, outbox, 1);
  await registerUser(auth.prisma, outbox, 2);
  const env = {
    JUNCTION_AUTH_DATABASE_URL: auth.url,
    JUNCTION_USERS_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/junction_never_created",
    JUNCTION_ORGS_DATABASE_URL: "postgres://postgres@127.0.0.1:1/junction_orgs",
    // Notifications finds its database the way the services do: DATABASE_URL's server, database junction_notifications.
    DATABASE_URL: "postgres://postgres@127.0.0.1:1/postgres",
  };
  const text = await cli(env, "outbox");
  t.is(text.code, 1, "a database could not be read");
  t.regex(text.out, /^auth {2}database=junction_test_\w+@127\.0\.0\.1:5432 {2}unsent=2 {2}oldest=\d+(ms|s) {2}next=auth\.user\.created {2}attempts=0$/m);
  t.regex(text.out, /^users {2}database=junction_never_created@127\.0\.0\.1:5432 {2}no outbox yet/m);
  t.regex(text.out, /^orgs {2}database=junction_orgs@127\.0\.0\.1:1 {2}cannot read: .*unreachable/m);
  t.regex(text.out, /^notifications {2}database=junction_notifications@127\.0\.0\.1:1 {2}cannot read/m);

  const json = JSON.parse((await cli(env, "outbox", "--json")).out) as { services: Array<{ service: string; state: string; unsent?: number; oldestUnsentAgeSeconds?: number }> };
  t.like(json.services[0], { service: "auth", state: "ok", unsent: 2 });
  t.true(json.services[0]!.oldestUnsentAgeSeconds! > 0);
  t.deepEqual(json.services.map((s) => s.state), ["ok", "missing", "unreachable", "unreachable"]);
});

test("output into a pipe whose reader has gone (| head) ends quietly, without an EPIPE stack", async (t) => {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/events.ts", "--help"], { cwd: repositoryRoot, stdio: ["ignore", "pipe", "pipe"] });
  // The reader goes away before the command writes anything.
  child.stdout.destroy();
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  t.is(stderr, "");
  t.is(code, 0);
});
