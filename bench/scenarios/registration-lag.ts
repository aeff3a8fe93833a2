// Registration → profile visible: Register calls arrive at a fixed rate on the real auth service;
// the users service creates each profile from auth.user.created. Both run as compiled processes,
// as in production. The lag is the time from the outbox row (written in auth's transaction) to
// the inbox row (written in the users transaction that creates the profile), both stamped by the
// one PostgreSQL clock. The peer is bare JetStream's publish → consume latency at the same rate.
import { randomBytes, randomUUID } from "node:crypto";
import { AckPolicy, connect, headers as natsHeaders } from "nats";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { eventually } from "../../test/support/platform.js";
import { runAtRate, summarizeLatencies } from "../load.js";
import { figure, type Comparison } from "../report.js";
import { BenchDeployment } from "../support/deployment.js";
import { inTurns, type BenchSettings } from "../support/settings.js";

const RATE_PER_SECOND = 200;

async function bareJetStreamLag(durationMs: number) {
  const nc = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
  const stream = `LAG_${randomBytes(4).toString("hex").toUpperCase()}`;
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] });
  await jsm.consumers.add(stream, { durable_name: "lag", ack_policy: AckPolicy.Explicit });
  const consumer = await nc.jetstream().consumers.get(stream, "lag");
  const lags: number[] = [];
  const messages = await consumer.consume({ max_messages: 64 });
  void (async () => {
    for await (const msg of messages) {
      lags.push(Date.now() - Number(msg.headers?.get("sent-at")));
      msg.ack();
    }
  })();
  const js = nc.jetstream();
  const started = performance.now();
  await runAtRate(
    async (i) => {
      const h = natsHeaders();
      h.set("sent-at", String(Date.now()));
      await js.publish(`${stream.toLowerCase()}.auth.user.created`, JSON.stringify({ userId: randomUUID(), n: i }), { headers: h });
    },
    RATE_PER_SECOND,
    durationMs,
  );
  const total = Math.round((RATE_PER_SECOND * durationMs) / 1000);
  await eventually(async () => (lags.length >= total ? true : undefined), "bare JetStream consumed everything", 30_000);
  const elapsed = performance.now() - started;
  await messages.close();
  await jsm.streams.delete(stream);
  await nc.close();
  const result = summarizeLatencies(lags, elapsed);
  return { value: result.p99Ms, p50Ms: result.p50Ms, p99Ms: result.p99Ms };
}

async function registrationRound(settings: BenchSettings, durationMs: number) {
  // auth and users as their own processes, as `npm start` runs them; password hashing at test cost
  // (at the OWASP cost, 200 registrations/s alone needs more than two cores).
  const deployment = await BenchDeployment.create(settings.mode);
  try {
    await deployment.start("auth");
    await deployment.start("users");
    const auth = createClient(AuthService, createGrpcTransport({ baseUrl: deployment.url("auth") }));
    let refused = 0;
    /** Registers at the benchmark's rate for `ms`; resolves, once every profile is there, to the new user ids. */
    const registerFor = async (ms: number) => {
      const answers = await runAtRate(
        (i) =>
          auth
            .register({ email: `lag${i}-${randomUUID().slice(0, 8)}@example.com`, password: "correct-horse-battery-9", displayName: `Lag ${i}` })
            .then((r) => r.userId, () => void refused++),
        RATE_PER_SECOND,
        ms,
      );
      const ids = answers.filter((id): id is string => id !== undefined);
      await eventually(
        async () => {
          const [row] = await deployment.platform.query<{ count: string }>("users", "SELECT count(*) FROM profiles WHERE user_id = ANY($1::uuid[])", [ids]);
          return Number(row?.count) >= ids.length ? true : undefined;
        },
        "every profile visible",
        60_000,
      );
      return new Set(ids);
    };
    // Warmed up first, as the other benchmarks are: the first events of a process pay for its
    // first queries (Prisma's query compiler, cold code), 60-110 ms each in a run at 50/s.
    if (settings.warmupSeconds > 0) await registerFor(settings.warmupSeconds * 1000);
    refused = 0;
    const measured = await registerFor(durationMs);
    const published = new Map(
      (await deployment.platform.query<{ id: string; subject: string; created_at: Date }>("auth", "SELECT id::text, subject, created_at FROM junction_events.outbox WHERE type = 'auth.user.created'"))
        .filter((r) => measured.has(r.subject))
        .map((r) => [r.id, r.created_at.getTime()]),
    );
    const received = await deployment.platform.query<{ event_id: string; received_at: Date }>("users", "SELECT event_id, received_at FROM junction_events.inbox WHERE type = 'auth.user.created'");
    const lags = received.filter((r) => published.has(r.event_id)).map((r) => r.received_at.getTime() - published.get(r.event_id)!);
    const result = summarizeLatencies(lags, durationMs);
    if (refused > 0) process.stderr.write(`  ${refused} registrations refused as unavailable (an overloaded machine); lag measured on the rest\n`);
    return { value: result.p99Ms, p50Ms: result.p50Ms, p99Ms: result.p99Ms };
  } finally {
    await deployment.close();
  }
}

/** The lag comparison. */
export async function registrationLag(settings: BenchSettings): Promise<Comparison[]> {
  const durationMs = Math.max(1000, settings.seconds * 1000);
  const samples = await inTurns(settings.rounds, {
    junction: () => registrationRound(settings, durationMs),
    jetstream: () => bareJetStreamLag(durationMs),
  });
  return [
    {
      goal: `Registration → profile lag at ${RATE_PER_SECOND} registrations/s (p99)`,
      junction: figure("Junction: auth Register → outbox → relay → users consumer → profile", "ms", samples.junction!),
      peer: figure("bare JetStream publish → consume at the same rate", "ms", samples.jetstream!),
      target: { kind: "below", value: 25 },
      notes: "Lag is outbox row → inbox row, both stamped by PostgreSQL; auth and users are separate compiled processes; test-cost argon2; measured after a warm-up at the same rate.",
    },
  ];
}
