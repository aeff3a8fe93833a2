// A service hosted by the runtime: configuration, policy and manifest fail start clearly, the
// declaration must match the manifest, internal RPCs refuse callers without service
// credentials, clients carry them, traces and request ids flow from caller to callee, and
// readiness covers what the service opened.
import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { ConfigError } from "../src/config.js";
import { errorReason } from "../src/errors.js";
import { defineService, type ServiceDeclaration } from "../src/host/service-declaration.js";
import { ServiceHost } from "../src/host/service-host.js";
import { startService } from "../src/host/start-service.js";
import { callingService } from "../src/identity/caller.js";
import { Manifest } from "../src/manifest/manifest.js";
import { PolicyError } from "../src/policy.js";
import { bind, type ServiceBinding } from "../src/server/service-server.js";
import { initTracing } from "../src/observability/tracing.js";
import { currentCallContext } from "../src/call-context.js";
import { quietLogger } from "./support/silent-logger.js";

const spans = new InMemorySpanExporter();
initTracing("host-test", { exporter: spans });

/** A topology of its own: a callee serving InternalOrgsService and a caller serving nothing. */
const manifest = Manifest.fromObject(
  {
    contracts: "envoy/descriptors.binpb",
    edge: { port: 18080, internalPort: 19090, adminPort: 19901, main: "edge.ts" },
    identity: { issuer: "callee", jwksPath: "/.well-known/jwks.json" },
    services: {
      callee: { port: 18101, main: "callee.ts", internal: [InternalOrgsService.typeName] },
      caller: { port: 18102, main: "caller.ts" },
    },
  },
  "host-test-manifest.yaml",
);
const ENV = {
  JUNCTION_SERVICE_SECRET: "host-test-secret-0123456789abcdef",
  JUNCTION_POLICY_FILE: fileURLToPath(new URL("fixtures/host/policy.yaml", import.meta.url)),
  JUNCTION_CALLEE_PORT: "0",
  JUNCTION_CALLER_PORT: "0",
};

const callee = (rpcs: () => ServiceBinding[], extra: Partial<ServiceDeclaration<object>> = {}) =>
  defineService<object>({ name: "callee", identity: { sessionCheck: false }, domain: () => ({}), rpcs, ...extra });
const host = (env: NodeJS.ProcessEnv = {}) => ({ env: { ...ENV, ...env }, logger: quietLogger("callee"), manifest });
const callerHost = (env: NodeJS.ProcessEnv) => ServiceHost.create("caller", { env: { ...ENV, ...env }, logger: quietLogger("caller"), manifest });

test("a malformed policy file fails start with a message naming the file and the entry", async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), "junction-policy-")), "policy.yaml");
  writeFileSync(file, "defaults:\n  timeout: soon\nupstreams: {}\n");
  const error = await t.throwsAsync(startService(callee(() => []), host({ JUNCTION_POLICY_FILE: file })), { instanceOf: PolicyError });
  t.true(error!.message.includes(file));
  t.regex(error!.message, /defaults\.timeout/);
});

test("a malformed environment variable fails start naming it", async (t) => {
  const error = await t.throwsAsync(startService(callee(() => []), host({ JUNCTION_CALLEE_PORT: "eighty" })), { instanceOf: ConfigError });
  t.regex(error!.message, /JUNCTION_CALLEE_PORT: expected a port number/);
});

test("a declaration must implement exactly what the manifest lists, and exist in it", async (t) => {
  await t.throwsAsync(startService(callee(() => []), host()), { message: /lists junction\.orgs\.v1\.InternalOrgsService for callee, which it does not implement/ });
  await t.throwsAsync(
    startService(callee(() => [bind(InternalOrgsService, {}), bind(OrgsService, {})]), host()),
    { message: /callee implements junction\.orgs\.v1\.OrgsService, which host-test-manifest\.yaml does not list for it/ },
  );
  await t.throwsAsync(startService(defineService({ name: "ghost", domain: () => ({}), rpcs: () => [] }), host()), { message: /declares no service "ghost"/ });
  await t.throwsAsync(startService(callee(() => [bind(InternalOrgsService, {})], { consumes: { callee: { register: () => undefined } } }), host()), {
    message: /declares handlers for callee, which host-test-manifest\.yaml does not say it consumes/,
  });
});

test("internal RPCs refuse callers without service credentials; hosted clients carry them", async (t) => {
  const seen: Array<{ caller?: string; requestId?: string }> = [];
  const server = await startService(
    callee(() => [
      bind(InternalOrgsService, {
        listUserOrganizations: (_req, ctx) => (seen.push({ caller: callingService(ctx), requestId: currentCallContext()?.requestId }), {}),
      }),
    ]),
    host(),
  );
  t.teardown(() => server.close());

  const outsider = createClient(InternalOrgsService, createGrpcTransport({ baseUrl: server.url }));
  const refused = await t.throwsAsync(
    outsider.listUserOrganizations({ userId: "u1" }, { headers: { authorization: "Bearer not-a-service", "x-junction-service-token": "forged" } }),
  );
  t.is(ConnectError.from(refused).code, Code.Unauthenticated);
  t.is(errorReason(refused), "SERVICE_CREDENTIALS_INVALID");
  const bare = await t.throwsAsync(outsider.listUserOrganizations({ userId: "u1" }));
  t.is(errorReason(bare), "SERVICE_CREDENTIALS_REQUIRED");
  t.is(seen.length, 0, "the handler never ran for refused calls");

  const caller = callerHost({ JUNCTION_CALLEE_URL: server.url });
  await caller.client(InternalOrgsService).listUserOrganizations({ userId: "u1" }, { headers: { "x-request-id": "req-42" } });
  t.deepEqual(seen, [{ caller: "caller", requestId: "req-42" }]);
});

test("the callee's server span continues the caller's trace", async (t) => {
  const server = await startService(callee(() => [bind(InternalOrgsService, { listUserOrganizations: () => ({}) })]), host());
  t.teardown(() => server.close());
  const caller = callerHost({ JUNCTION_CALLEE_URL: server.url });
  await caller.client(InternalOrgsService).listUserOrganizations({ userId: "trace-me" }, { headers: { "x-request-id": "trace-test" } });
  const finished = spans.getFinishedSpans();
  const serverSpan = finished.find((s) => s.kind === 1 && s.attributes["junction.request_id"] === "trace-test"); // SERVER
  t.truthy(serverSpan);
  const parent = finished.find((s) => s.spanContext().spanId === serverSpan!.parentSpanContext?.spanId);
  t.is(parent?.kind, 2, "the server span's parent is the caller's CLIENT span"); // CLIENT
  t.is(parent?.name, "junction.orgs.v1.InternalOrgsService/ListUserOrganizations");
  t.is(serverSpan!.spanContext().traceId, parent!.spanContext().traceId);
});

test("readiness covers Redis once opened; an unreachable Redis fails start with its address and a start hint", async (t) => {
  const declaration = callee(() => [bind(InternalOrgsService, {})], { redis: true });
  const server = await startService(declaration, host());
  t.teardown(() => server.close());
  const ready = await (await fetch(`${server.url}/readyz`)).json();
  t.like(ready, { ready: true, checks: { redis: "ok" } });
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  t.regex(metrics, /junction_build_info\{name="callee",version="\d+\.\d+\.\d+",nodejs="\d+\.\d+\.\d+"\} 1/);

  await t.throwsAsync(startService(declaration, host({ REDIS_URL: "redis://127.0.0.1:1" })), { message: /Redis at redis:\/\/127\.0\.0\.1:1 is unreachable.*npm run setup/ });
});

test("the session check is on by default: a hosted service opens Redis for it unless it opts out", async (t) => {
  const checked = await startService(defineService<object>({ name: "callee", domain: () => ({}), rpcs: () => [bind(InternalOrgsService, {})] }), host());
  t.teardown(() => checked.close());
  t.like(await (await fetch(`${checked.url}/readyz`)).json(), { checks: { redis: "ok" } });
  const optedOut = await startService(callee(() => [bind(InternalOrgsService, {})]), host());
  t.teardown(() => optedOut.close());
  t.deepEqual((await (await fetch(`${optedOut.url}/readyz`)).json() as { checks: object }).checks, {});
});

test("a service refuses to start with the public development secret unless development mode is on", async (t) => {
  const { JUNCTION_SERVICE_SECRET: _secret, ...withoutSecret } = ENV;
  const declaration = callee(() => [bind(InternalOrgsService, {})]);
  await t.throwsAsync(startService(declaration, { env: withoutSecret, logger: quietLogger("callee"), manifest }), {
    instanceOf: ConfigError,
    message: /JUNCTION_SERVICE_SECRET: must be set/,
  });
  const dev = await startService(declaration, { env: { ...withoutSecret, JUNCTION_DEV_MODE: "true" }, logger: quietLogger("callee"), manifest });
  await dev.close();
  t.pass();
});
