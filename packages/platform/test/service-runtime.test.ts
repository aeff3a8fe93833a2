// A service built from the runtime: configuration and policy fail start clearly, internal
// RPCs refuse callers without service credentials, clients carry them, traces and request ids
// flow from caller to callee, and readiness covers what the service opened.
import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { ConfigError } from "../src/config.js";
import { errorReason } from "../src/errors.js";
import { callingService } from "../src/identity/caller.js";
import { PolicyError } from "../src/policy.js";
import { bind } from "../src/server/service-server.js";
import { ServiceRuntime } from "../src/service-runtime.js";
import { initTracing } from "../src/observability/tracing.js";
import { currentCallContext } from "../src/call-context.js";
import { quietLogger } from "./support/silent-logger.js";

const spans = new InMemorySpanExporter();
initTracing("runtime-test", { exporter: spans });

const runtime = (name: "orgs" | "users", env: NodeJS.ProcessEnv = {}) =>
  ServiceRuntime.create({ name, env: { JUNCTION_SERVICE_SECRET: "runtime-test-secret-0123456789abcdef", ...env }, logger: quietLogger(name) });

test("a malformed policy file fails start with a message naming the file and the entry", (t) => {
  const file = join(mkdtempSync(join(tmpdir(), "junction-policy-")), "policy.yaml");
  writeFileSync(file, "defaults:\n  timeout: soon\nupstreams: {}\n");
  const error = t.throws(() => runtime("orgs", { JUNCTION_POLICY_FILE: file }), { instanceOf: PolicyError });
  t.true(error!.message.includes(file));
  t.regex(error!.message, /defaults\.timeout/);
});

test("a malformed environment variable fails start naming it", (t) => {
  const error = t.throws(() => runtime("orgs", { JUNCTION_ORGS_PORT: "eighty" }), { instanceOf: ConfigError });
  t.regex(error!.message, /JUNCTION_ORGS_PORT: expected a port number/);
});

test("internal RPCs refuse callers without service credentials; runtime clients carry them", async (t) => {
  const seen: Array<{ caller?: string; requestId?: string }> = [];
  const orgs = runtime("orgs");
  const server = await orgs.serve(
    [
      bind(InternalOrgsService, {
        listUserOrganizations: (_req, ctx) => (seen.push({ caller: callingService(ctx), requestId: currentCallContext()?.requestId }), {}),
      }),
    ],
    { port: 0 },
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

  const users = runtime("users", { JUNCTION_ORGS_URL: server.url });
  await users.client(InternalOrgsService).listUserOrganizations({ userId: "u1" }, { headers: { "x-request-id": "req-42" } });
  t.deepEqual(seen, [{ caller: "users", requestId: "req-42" }]);
});

test("the callee's server span continues the caller's trace", async (t) => {
  const orgs = runtime("orgs");
  const server = await orgs.serve([bind(InternalOrgsService, { listUserOrganizations: () => ({}) })], { port: 0 });
  t.teardown(() => server.close());
  const users = runtime("users", { JUNCTION_ORGS_URL: server.url });
  await users.client(InternalOrgsService).listUserOrganizations({ userId: "trace-me" }, { headers: { "x-request-id": "trace-test" } });
  const finished = spans.getFinishedSpans();
  const serverSpan = finished.find((s) => s.kind === 1 && s.attributes["junction.request_id"] === "trace-test"); // SERVER
  t.truthy(serverSpan);
  const parent = finished.find((s) => s.spanContext().spanId === serverSpan!.parentSpanContext?.spanId);
  t.is(parent?.kind, 2, "the server span's parent is the caller's CLIENT span"); // CLIENT
  t.is(parent?.name, "junction.orgs.v1.InternalOrgsService/ListUserOrganizations");
  t.is(serverSpan!.spanContext().traceId, parent!.spanContext().traceId);
});

test("readiness covers Redis once opened; an unreachable Redis fails with its address and a start hint", async (t) => {
  const orgs = runtime("orgs");
  const redis = await orgs.redis();
  const server = await orgs.serve([], { port: 0 });
  t.teardown(() => server.close());
  t.is(await redis.ping(), "PONG");
  const ready = await (await fetch(`${server.url}/readyz`)).json();
  t.like(ready, { ready: true, checks: { redis: "ok" } });

  const broken = runtime("orgs", { REDIS_URL: "redis://127.0.0.1:1" });
  await t.throwsAsync(broken.redis(), { message: /Redis at redis:\/\/127\.0\.0\.1:1 is unreachable.*npm run setup/ });
});
