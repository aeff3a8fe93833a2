// What a caller sees when something is down, never INTERNAL and never a transport's text or an
// address: a handler whose database does not answer is UNAVAILABLE (DEPENDENCY_UNAVAILABLE,
// Retry-After); an upstream that dies mid-call is UNAVAILABLE (UPSTREAM_UNAVAILABLE) and counts
// against its circuit breaker; /readyz says why in one short line.
import http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import test, { type ExecutionContext } from "ava";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { RetryInfoSchema } from "@junction/gen/google/rpc/error_details_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import pg from "pg";
import { createServiceClient } from "../src/client.js";
import { errorReason } from "../src/errors.js";
import { circuitBreakerStates } from "../src/resilience/circuit-breakers.js";
import { bind, startServiceServer, type ServiceBinding } from "../src/server/service-server.js";
import { freePort } from "./support/ports.js";
import { testPolicy } from "./support/policy.js";
import { quietLogger } from "./support/silent-logger.js";

async function serve(t: ExecutionContext, services: ServiceBinding[], readiness = [] as Array<{ name: string; check: () => Promise<unknown> }>) {
  const server = await startServiceServer({ name: "orgs", port: 0, policy: testPolicy({ orgs: 1 }), logger: quietLogger("orgs"), services, readiness });
  t.teardown(() => server.close());
  return server;
}

const ADDRESS = /\d+\.\d+\.\d+\.\d+|:\d{2,5}\b|ECONN|EPIPE|socket|stream/i;

test("a handler whose database refuses connections answers UNAVAILABLE with Retry-After, on every protocol, never INTERNAL", async (t) => {
  const dead = await freePort();
  const server = await serve(t, [
    bind(InternalOrgsService, {
      async listUserOrganizations() {
        const client = new pg.Client({ host: "127.0.0.1", port: dead, user: "postgres", connectionTimeoutMillis: 500 });
        await client.connect(); // ECONNREFUSED: nobody listens there
        return {};
      },
    }),
  ]);
  for (const transport of [createGrpcTransport({ baseUrl: server.url }), createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" })]) {
    const error = ConnectError.from(await t.throwsAsync(createClient(InternalOrgsService, transport).listUserOrganizations({ userId: "u1" })));
    t.is(error.code, Code.Unavailable);
    t.is(errorReason(error), "DEPENDENCY_UNAVAILABLE");
    t.is(Number(error.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds), 1);
    t.is(error.metadata.get("retry-after"), "1");
    t.notRegex(error.rawMessage, ADDRESS);
  }
  const connect = await fetch(`${server.url}/${InternalOrgsService.typeName}/ListUserOrganizations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  t.is(connect.status, 503, "Connect's HTTP status for UNAVAILABLE");
});

/**
 * An h2c server that takes the request and then drops the whole connection: an upstream dying
 * mid-call. A killed process's connections end with a reset (`reset`) or, when nothing was left
 * unread, an orderly close (`close`), which HTTP/2 clients see as their streams cancelled.
 */
async function dyingUpstream(t: ExecutionContext, ending: "reset" | "close" = "reset"): Promise<string> {
  const server = http2.createServer();
  const sockets: Socket[] = [];
  server.on("connection", (socket: Socket) => sockets.push(socket));
  // The request arrived; the process "dies": every connection is cut without a word.
  server.on("stream", () => sockets.splice(0).forEach((socket) => (ending === "reset" ? socket.resetAndDestroy() : socket.destroy())));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test("an upstream that dies mid-call is UNAVAILABLE UPSTREAM_UNAVAILABLE naming only the upstream, and its breaker counts it", async (t) => {
  const url = await dyingUpstream(t);
  // Audit's breaker is this test's alone; one failure per second is enough to open it.
  const policy = testPolicy({ audit: 1 }, { retry: { maxAttempts: 1 }, breaker: { minimumRps: 1 } });
  const client = createServiceClient(AuditService, { policy, urls: [url] });
  const first = ConnectError.from(await t.throwsAsync(client.verifyAuditChain({})));
  t.is(first.code, Code.Unavailable);
  t.is(errorReason(first), "UPSTREAM_UNAVAILABLE");
  t.is(first.rawMessage, "audit is unavailable; try again");
  for (let i = 0; i < 3; i++) await t.throwsAsync(client.verifyAuditChain({}));
  t.is(circuitBreakerStates().audit, "open", "resets count as the upstream failing");
});

test("an upstream whose connection closes mid-call (its process killed) is UNAVAILABLE, not CANCELED with HTTP/2's text", async (t) => {
  const url = await dyingUpstream(t, "close");
  const client = createServiceClient(AuditService, { policy: testPolicy({ audit: 1 }, { retry: { maxAttempts: 1 } }), urls: [url] });
  const error = ConnectError.from(await t.throwsAsync(client.verifyAuditChain({})));
  t.is(Code[error.code], Code[Code.Unavailable]);
  t.is(errorReason(error), "UPSTREAM_UNAVAILABLE");
  t.is(error.rawMessage, "audit is unavailable; try again");
});

test("a call its caller cancels stays CANCELED", async (t) => {
  // An upstream that never answers; the caller gives up first.
  const server = http2.createServer();
  const sessions: http2.ServerHttp2Session[] = [];
  server.on("session", (session) => sessions.push(session));
  server.on("stream", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => (server.close(() => resolve()), sessions.forEach((s) => s.destroy()))));
  const client = createServiceClient(AuditService, { policy: testPolicy({ audit: 1 }, { retry: { maxAttempts: 1 } }), urls: [`http://127.0.0.1:${(server.address() as AddressInfo).port}`] });
  const error = ConnectError.from(await t.throwsAsync(client.verifyAuditChain({}, { signal: AbortSignal.timeout(200) })));
  t.is(Code[error.code], Code[Code.Canceled]);
});

test("/readyz gives each failing dependency one short line, without addresses", async (t) => {
  const driverText = "connect ECONNREFUSED 10.1.2.3:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n    at more stack";
  const server = await serve(t, [], [{ name: "postgres", check: async () => Promise.reject(new Error(driverText)) }]);
  const body = (await (await fetch(`${server.url}/readyz`)).json()) as { checks: { postgres: string } };
  t.is(body.checks.postgres, "connect ECONNREFUSED <address>");
});
