import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import test, { type ExecutionContext } from "ava";
import { Outbox } from "../../src/events/outbox.js";
import { OutboxRelay } from "../../src/events/outbox-relay.js";
import { ensureConsumer, ensureDeadLetterStream, ensureStream } from "../../src/events/provisioning.js";
import { query } from "../data/postgres.js";
import {
  eventDatabase,
  greetingsByUser,
  natsConnection,
  quickRetries,
  registerUser,
  SHARED_NATS_URL,
  testLogger,
  testNamespace,
  waitFor,
} from "./support/events.js";

const greeterScript = fileURLToPath(new URL("./support/greeter-process.ts", import.meta.url));
const N = 150;

/** Starts the greeter consumer in a child process and resolves once it is consuming. */
async function startGreeter(t: ExecutionContext, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", greeterScript], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  t.teardown(() => void child.kill("SIGKILL"));
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`greeter exited with ${code}:\n${output}`)));
  });
  return child;
}

test("a consumer process killed mid-stream loses nothing: after restart every event has exactly one effect", async (t) => {
  const namespace = testNamespace(t);
  const nc = await natsConnection(t);
  const jsm = await nc.jetstreamManager();
  await ensureStream(jsm, namespace, "auth");
  await ensureDeadLetterStream(jsm, namespace);
  await ensureConsumer(jsm, namespace, { consumer: "greeter", stream: "auth" }, quickRetries);

  const producer = await eventDatabase(t);
  const outbox = new Outbox("auth");
  const userIds: string[] = [];
  for (let i = 0; i < N; i++) userIds.push(await registerUser(producer.prisma, outbox, i));
  const relay = new OutboxRelay({ service: "auth", databaseUrl: producer.url, nats: nc, namespace, logger: testLogger });
  await relay.start();
  t.teardown(() => relay.stop());
  await waitFor("all events in the stream", async () => (await jsm.streams.info(namespace.stream("auth"))).state.messages === N);

  const consumerDb = await eventDatabase(t);
  const env = { DATABASE_URL: consumerDb.url, NATS_URL: SHARED_NATS_URL, EVENTS_PREFIX: namespace.prefix, HANDLER_DELAY_MS: "10" };
  const greetings = async () => (await query<{ n: number }>(consumerDb.url, "SELECT count(*)::int AS n FROM greetings"))[0]!.n;

  const first = await startGreeter(t, env);
  await waitFor("a third of the events handled", async () => (await greetings()) >= N / 3);
  const exited = new Promise((resolve) => first.once("exit", resolve));
  first.kill("SIGKILL");
  await exited;
  const atKill = await greetings();
  t.true(atKill < N, `killed mid-stream (${atKill} of ${N} handled)`);

  const second = await startGreeter(t, env);
  await waitFor(
    "every event handled and acknowledged",
    async () => {
      const info = await jsm.consumers.info(namespace.stream("auth"), "greeter");
      return info.num_pending === 0 && info.num_ack_pending === 0 && (await greetings()) >= N;
    },
    30_000,
  );
  second.kill("SIGTERM");

  const byUser = await greetingsByUser(consumerDb.prisma);
  t.is(byUser.size, N);
  t.true(userIds.every((id) => byUser.get(id) === 1), "exactly one greeting per user");
  t.deepEqual(await query(consumerDb.url, "SELECT count(*)::int AS n FROM junction_events.inbox WHERE consumer = 'greeter'"), [{ n: N }]);
  t.is((await jsm.streams.info(namespace.deadLetterStream)).state.messages, 0);
});
