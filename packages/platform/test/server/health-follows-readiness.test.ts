// grpc.health.v1 follows readiness: with the service's database stopped (a real PostgreSQL
// cluster of the test's own) Check and Watch say NOT_SERVING, and SERVING once it is back. A
// dependency the service can do without (a NATS server of the test's own) only degrades it.
import test from "ava";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as Status } from "@junction/gen/health/v1/health_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { connect } from "nats";
import pg from "pg";
import { natsReadiness, type ReadinessCheck } from "../../src/readiness.js";
import { bind, startServiceServer } from "../../src/server/service-server.js";
import { eventually } from "../support/eventually.js";
import { testPolicy } from "../support/policy.js";
import { quietLogger } from "../support/silent-logger.js";
import { TestNatsServer } from "../events/support/nats-server.js";
import { TestPostgresCluster } from "../events/support/postgres-cluster.js";

/** An orgs port whose health follows `readiness`, probed every 100 ms. */
function probedServer(readiness: ReadinessCheck[]) {
  return startServiceServer({ name: "orgs", port: 0, policy: testPolicy({ orgs: 1 }), logger: quietLogger("orgs"), services: [bind(InternalOrgsService, {})], readiness, healthProbeIntervalMs: 100 });
}

test("health goes NOT_SERVING while the database is down and SERVING when it is back, for Check and Watch", async (t) => {
  const cluster = await TestPostgresCluster.start(t);
  const postgres = {
    name: "postgres",
    check: async () => {
      const client = new pg.Client({ connectionString: cluster.url("postgres"), connectionTimeoutMillis: 500 });
      try {
        await client.connect();
        await client.query("SELECT 1");
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
  const server = await probedServer([postgres]);
  t.teardown(() => server.close());
  const health = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
  const check = async (service = "") => (await health.check({ service })).status;
  t.is(await check(), Status.SERVING);

  const watch = new AbortController();
  t.teardown(() => watch.abort());
  const seen: Status[] = [];
  void (async () => {
    for await (const update of health.watch({ service: InternalOrgsService.typeName }, { signal: watch.signal })) seen.push(update.status);
  })().catch(() => undefined);

  await cluster.stop();
  await eventually(async () => ((await check()) === Status.NOT_SERVING ? true : undefined), "health to go NOT_SERVING", 5000);
  t.is(await check(InternalOrgsService.typeName), Status.NOT_SERVING);
  await cluster.resume();
  await eventually(async () => ((await check()) === Status.SERVING ? true : undefined), "health to be SERVING again", 5000);
  await eventually(async () => (seen.join() === [Status.SERVING, Status.NOT_SERVING, Status.SERVING].join() ? true : undefined), "Watch to see both changes", 2000);
  t.pass();
});

test("a dependency the service can do without (NATS here) leaves health SERVING and /readyz 200, degraded, naming it", async (t) => {
  const nats = await TestNatsServer.start(t);
  const connection = await connect({ servers: nats.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  t.teardown(() => connection.close());
  const server = await probedServer([{ name: "postgres", check: async () => "ok" }, natsReadiness(connection)]);
  t.teardown(() => server.close());
  const health = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
  const readyz = async () => {
    const res = await fetch(`${server.url}/readyz`);
    return { http: res.status, ...((await res.json()) as { status: string; checks: Record<string, string> }) };
  };
  t.like(await readyz(), { http: 200, status: "ready", checks: { postgres: "ok", nats: "ok" } });

  await nats.stop();
  const degraded = await eventually(async () => {
    const answer = await readyz();
    return answer.checks.nats !== "ok" ? answer : undefined;
  }, "/readyz to name NATS as failing");
  t.like(degraded, { http: 200, status: "degraded", ready: true, checks: { postgres: "ok" } });
  await new Promise((resolve) => setTimeout(resolve, 500)); // five health probes with NATS down
  t.is((await health.check({ service: "" })).status, Status.SERVING);

  await nats.resume();
  await eventually(async () => ((await readyz()).status === "ready" ? true : undefined), "/readyz to be ready again once NATS is back");
  t.pass();
});
