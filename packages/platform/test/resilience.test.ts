// The client stack against real servers on loopback: deadlines shrink along the call chain,
// only safe calls are retried, a dead upstream opens its breaker and it closes when the
// upstream returns, and calls rotate over several endpoints.
import test, { type ExecutionContext } from "ava";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { currentCallContext } from "../src/call-context.js";
import { createServiceClient } from "../src/client.js";
import { errorReason } from "../src/errors.js";
import type { CommunicationPolicy } from "../src/policy.js";
import { metricsRegistry } from "../src/observability/metrics.js";
import { circuitBreakerStates } from "../src/resilience/circuit-breakers.js";
import { bind, startServiceServer, type ServiceBinding } from "../src/server/service-server.js";
import { testPolicy } from "./support/policy.js";
import { quietLogger } from "./support/silent-logger.js";
import { freePort } from "./support/ports.js";

async function serve(t: ExecutionContext, name: string, services: ServiceBinding[], port = 0, policy = testPolicy({ [name]: 1 })) {
  const server = await startServiceServer({ name, port, policy, services, logger: quietLogger(name) });
  t.teardown(() => server.close());
  return server;
}

const code = (error: unknown) => ConnectError.from(error).code;

test("a deadline expires as DEADLINE_EXCEEDED and the callee downstream sees the shortened budget", async (t) => {
  const seenBudgets: number[] = [];
  const orgs = await serve(t, "orgs", [
    bind(InternalOrgsService, {
      async listUserOrganizations(_req, ctx: HandlerContext) {
        seenBudgets.push(ctx.timeoutMs() ?? Infinity);
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 6000);
          ctx.signal.addEventListener("abort", () => (clearTimeout(timer), reject(ctx.signal.reason)));
        });
        return {};
      },
    }),
  ]);
  const policy = testPolicy({ orgs: orgs.port, users: 1 });
  const orgsClient = createServiceClient(InternalOrgsService, { policy, urls: [orgs.url] });
  let usersSawBudget = 0;
  const users = await serve(
    t,
    "users",
    [
      bind(UsersService, {
        async getMe(_req, ctx) {
          usersSawBudget = ctx.timeoutMs() ?? Infinity;
          await new Promise((resolve) => setTimeout(resolve, 50)); // spend some budget first
          await orgsClient.listUserOrganizations({ userId: "u1" });
          return {};
        },
      }),
    ],
    0,
    policy,
  );
  const usersClient = createServiceClient(UsersService, { policy, urls: [users.url] });
  const started = Date.now();
  // A deadline roomy enough that a loaded machine still reaches orgs before it passes.
  const error = await t.throwsAsync(usersClient.getMe({}, { timeoutMs: 1500 }));
  t.is(code(error), Code.DeadlineExceeded);
  t.true(Date.now() - started < 3500, "the caller is not kept waiting past its deadline");
  t.true(usersSawBudget <= 1500);
  t.is(seenBudgets.length, 1, "a deadline is not retried");
  t.true(seenBudgets[0]! <= 1450, `orgs saw ${seenBudgets[0]}ms, less than users' 1500ms minus what users spent`);
  t.true(seenBudgets[0]! > 300);
});

test("without a caller deadline, the method's policy timeout applies", async (t) => {
  let seen = 0;
  const orgs = await serve(t, "orgs", [
    bind(InternalOrgsService, {
      listUserOrganizations: (_req, ctx) => ((seen = ctx.timeoutMs() ?? Infinity), {}),
    }),
  ]);
  const client = createServiceClient(InternalOrgsService, { policy: testPolicy({ orgs: orgs.port }), urls: [orgs.url] });
  await client.listUserOrganizations({ userId: "u1" });
  t.true(seen > 1500 && seen <= 2000, `policy default is 2s, server saw ${seen}ms`);
});

test("a flaky idempotent method succeeds through retries", async (t) => {
  let calls = 0;
  const orgs = await serve(t, "orgs", [
    bind(InternalOrgsService, {
      listUserOrganizations() {
        if (++calls < 3) throw new ConnectError("try again", Code.Unavailable);
        return { organizations: [{ role: 1 }] };
      },
    }),
  ]);
  const client = createServiceClient(InternalOrgsService, { policy: testPolicy({ orgs: orgs.port }), urls: [orgs.url] });
  const res = await client.listUserOrganizations({ userId: "u1" });
  t.is(res.organizations.length, 1);
  t.is(calls, 3);
});

test("a non-idempotent method that reached the server is not retried", async (t) => {
  let calls = 0;
  const orgs = await serve(t, "orgs", [
    bind(OrgsService, {
      createOrganization() {
        calls++;
        throw new ConnectError("overloaded", Code.Unavailable);
      },
    }),
  ]);
  const client = createServiceClient(OrgsService, { policy: testPolicy({ orgs: orgs.port }), urls: [orgs.url] });
  t.is(code(await t.throwsAsync(client.createOrganization({ name: "Acme" }))), Code.Unavailable);
  t.is(calls, 1);
});

test("a non-idempotent method is retried when its request never reached a server", async (t) => {
  let calls = 0;
  const orgs = await serve(t, "orgs", [bind(OrgsService, { createOrganization: () => (calls++, { organization: { name: "Acme" } }) })]);
  const dead = `http://127.0.0.1:${await freePort()}`;
  const policy = testPolicy({ orgs: orgs.port });
  const client = createServiceClient(OrgsService, { policy, urls: [dead, orgs.url] });
  const res = await client.createOrganization({ name: "Acme" });
  t.is(res.organization?.name, "Acme");
  t.is(calls, 1);
});

test("retries are off when a proxy enforces them (JUNCTION_CLIENT_RETRIES=false)", async (t) => {
  let calls = 0;
  const orgs = await serve(t, "orgs", [
    bind(InternalOrgsService, {
      listUserOrganizations() {
        calls++;
        throw new ConnectError("try again", Code.Unavailable);
      },
    }),
  ]);
  const client = createServiceClient(InternalOrgsService, {
    policy: testPolicy({ orgs: orgs.port }),
    urls: [orgs.url],
    env: { JUNCTION_CLIENT_RETRIES: "false" },
  });
  await t.throwsAsync(client.listUserOrganizations({ userId: "u1" }));
  t.is(calls, 1);
});

test("calls rotate round-robin over the endpoints in JUNCTION_<UPSTREAM>_URL", async (t) => {
  const hits = { a: 0, b: 0 };
  const a = await serve(t, "orgs", [bind(InternalOrgsService, { listUserOrganizations: () => (hits.a++, {}) })]);
  const b = await serve(t, "orgs", [bind(InternalOrgsService, { listUserOrganizations: () => (hits.b++, {}) })]);
  const client = createServiceClient(InternalOrgsService, {
    policy: testPolicy({ orgs: 1 }),
    env: { JUNCTION_ORGS_URL: `${a.url},${b.url}` },
  });
  for (let i = 0; i < 6; i++) await client.listUserOrganizations({ userId: "u1" });
  t.deepEqual(hits, { a: 3, b: 3 });
});

test("a dead upstream opens the breaker, calls fail fast, then it half-opens and closes when the upstream returns", async (t) => {
  const port = await freePort();
  // The only test of this file calling audit, so no other test's failures count in its breaker.
  const policy: CommunicationPolicy = testPolicy({ audit: port }, { retry: { maxAttempts: 1 }, breaker: { minimumRps: 1 } });
  const isolated = createServiceClient(AuditService, { policy, urls: [`http://127.0.0.1:${port}`] });

  for (let i = 0; i < 4; i++) t.is(code(await t.throwsAsync(isolated.verifyAuditChain({}))), Code.Unavailable);
  t.is(circuitBreakerStates().audit, "open");
  const started = performance.now();
  const fast = await t.throwsAsync(isolated.verifyAuditChain({}));
  t.is(errorReason(fast), "CIRCUIT_OPEN");
  t.true(performance.now() - started < 50, "an open breaker fails without trying the network");

  await serve(t, "audit", [bind(AuditService, { verifyAuditChain: () => ({ valid: true }) })], port, policy);
  await new Promise((resolve) => setTimeout(resolve, 350)); // halfOpenAfter is 300ms in the test policy
  await isolated.verifyAuditChain({});
  t.is(circuitBreakerStates().audit, "closed");
  // Every transition is counted, by the state entered.
  const transitions = await metricsRegistry.getSingleMetricAsString("junction_rpc_client_breaker_transitions_total");
  for (const state of ["open", "half-open", "closed"]) t.regex(transitions, new RegExp(`\\{upstream="audit",state="${state}"\\} 1`));
});

test("without a span exporter the caller's trace context still passes through every hop", async (t) => {
  const seen: Array<string | undefined> = [];
  const orgs = await serve(t, "orgs", [
    bind(InternalOrgsService, { listUserOrganizations: () => (seen.push(currentCallContext()?.traceparent), {}) }),
  ]);
  const policy = testPolicy({ orgs: orgs.port, users: 1 });
  const orgsClient = createServiceClient(InternalOrgsService, { policy, urls: [orgs.url] });
  const users = await serve(t, "users", [bind(UsersService, { getMe: async () => (seen.push(currentCallContext()?.traceparent), await orgsClient.listUserOrganizations({ userId: "u" }), {}) })], 0, policy);
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  await createServiceClient(UsersService, { policy, urls: [users.url] }).getMe({}, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
  t.deepEqual(seen.map((tp) => tp?.split("-")[1]), [traceId, traceId]);
  await createServiceClient(UsersService, { policy, urls: [users.url] }).getMe({});
  const [, , rootAtUsers, atOrgs] = seen;
  t.regex(rootAtUsers ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/, "a call without one starts a trace");
  t.is(atOrgs, rootAtUsers);
});
