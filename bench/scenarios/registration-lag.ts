// Registration → profile visible: Register calls arrive at a fixed rate on the real auth
// service; the users service creates each profile from auth.user.created. The lag is the time
// from the account's row to the profile's row (both stamped on this machine's clock). The
// baseline is bare JetStream's publish → consume latency at the same rate.
import { randomBytes, randomUUID } from "node:crypto";
import { AckPolicy, connect } from "nats";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { startProcess, waitUntilReady, type PlatformProcess } from "../../tools/src/local-run/service-process.js";
import { TestPlatform, eventually } from "../../test/support/platform.js";
import { runAtRate, summarizeLatencies, type LoadResult, type LoadShape } from "../load.js";
import type { Comparison } from "../report.js";

const RATE_PER_SECOND = 100;

async function bareJetStreamLag(durationMs: number): Promise<LoadResult> {
  const nc = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
  const stream = `LAG_${randomBytes(4).toString("hex").toUpperCase()}`;
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] });
  await jsm.consumers.add(stream, { durable_name: "lag", ack_policy: AckPolicy.Explicit });
  const js = nc.jetstream();
  const consumer = await js.consumers.get(stream, "lag");
  const lags: number[] = [];
  const messages = await consumer.consume({ max_messages: 64 });
  void (async () => {
    for await (const msg of messages) {
      lags.push(Date.now() - Number(msg.headers?.get("sent-at")));
      msg.ack();
    }
  })();
  const started = performance.now();
  await runAtRate(async (i) => {
    const headers = (await import("nats")).headers();
    headers.set("sent-at", String(Date.now()));
    await js.publish(`${stream.toLowerCase()}.auth.user.created`, JSON.stringify({ userId: randomUUID(), n: i }), { headers });
  }, RATE_PER_SECOND, durationMs);
  const total = Math.round((RATE_PER_SECOND * durationMs) / 1000);
  await eventually(async () => (lags.length >= total ? true : undefined), "bare JetStream consumed everything", 30_000);
  const elapsed = performance.now() - started;
  await messages.close();
  await jsm.streams.delete(stream);
  await nc.close();
  return summarizeLatencies(lags, elapsed);
}

/** Measures the lag at 100 registrations per second. */
export async function registrationLag(shape: LoadShape): Promise<Comparison> {
  const durationMs = Math.max(1000, shape.durationMs);
  const baseline = await bareJetStreamLag(durationMs);

  // Password hashing at test cost: at the OWASP cost, 100 registrations/s alone needs more than two cores.
  // auth and users run as their own processes, as `npm start` runs them.
  const platform = await TestPlatform.create(undefined, { LOG_LEVEL: "warn" });
  const root = new URL("../..", import.meta.url).pathname;
  const processes: PlatformProcess[] = [];
  try {
    for (const name of ["auth", "users"] as const) {
      const started = startProcess(root, name, `services/${name}/src/main.ts`, platform.env, 5);
      processes.push(started);
      await waitUntilReady(Number(new URL(platform.url(name)).port), started.exited, 60_000);
    }
    const auth = createClient(AuthService, createGrpcTransport({ baseUrl: platform.url("auth") }));
    const started = performance.now();
    // A registration refused as UNAVAILABLE (an overloaded machine) is counted, not fatal: lag is measured on the rest.
    let refused = 0;
    const answers = await runAtRate(
      (i) =>
        auth
          .register({ email: `lag${i}-${randomUUID().slice(0, 8)}@example.com`, password: "correct-horse-battery-9", displayName: `Lag ${i}` })
          .then((r) => r.userId, () => void refused++),
      RATE_PER_SECOND,
      durationMs,
    );
    const ids = answers.filter((id): id is string => id !== undefined);
    await eventually(
      async () => {
        const [row] = await platform.query<{ count: string }>("users", "SELECT count(*) FROM profiles");
        return Number(row?.count) >= ids.length ? true : undefined;
      },
      "every profile visible",
      60_000,
    );
    const elapsed = performance.now() - started;
    // Outbox row written in auth's transaction → inbox row written in the users handler's
    // transaction (the same transaction that creates the profile), on one Postgres clock.
    const published = new Map(
      (await platform.query<{ id: string; created_at: Date }>("auth", "SELECT id::text, created_at FROM junction_events.outbox WHERE type = 'auth.user.created'")).map(
        (r) => [r.id, r.created_at.getTime()],
      ),
    );
    const received = await platform.query<{ event_id: string; received_at: Date }>(
      "users",
      "SELECT event_id, received_at FROM junction_events.inbox WHERE type = 'auth.user.created'",
    );
    const lags = received.filter((r) => published.has(r.event_id)).map((r) => r.received_at.getTime() - published.get(r.event_id)!);
    const junction = summarizeLatencies(lags, elapsed);
    return {
      name: "registration → profile lag",
      junction,
      baseline,
      baselineName: "bare JetStream publish → consume",
      target: 50,
      targetKind: "p99Ms",
      notes: `${ids.length} registrations at ${RATE_PER_SECOND}/s${refused > 0 ? ` (${refused} refused as unavailable)` : ""} (test-cost argon2; auth and users as processes); lag p50 ${junction.p50Ms.toFixed(1)} ms, p99 ${junction.p99Ms.toFixed(1)} ms (target p99 < 50 ms)`,
    };
  } finally {
    for (const p of processes) p.child.kill("SIGTERM");
    await Promise.all(processes.map((p) => p.exited));
    await platform.close();
  }
}
