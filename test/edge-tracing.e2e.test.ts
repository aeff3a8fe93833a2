// Traces at the public edge, recorded with the SDK's in-memory exporter (every service here runs
// in this process, so one exporter sees every span): a client's traceparent neither chooses our
// trace id nor, with its -00 flag, silences recording; the edge starts a new trace linked to the
// client's. Spans follow OpenTelemetry's conventions: HTTP server spans named by route with their
// status code, rpc.grpc.status_code on every RPC span (0 for OK), client errors no span ERROR,
// server.address/server.port on RPC client spans; PostgreSQL and Redis calls are client spans
// under the server span of the RPC that made them, with no key tails or values in Redis's.
import test from "ava";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { startEdge } from "@junction/edge";
import { createLogger, initTracing } from "@junction/platform";
import { eventually, TestPlatform } from "./support/platform.js";
import { startAuth } from "./support/services.js";

const spans = new InMemorySpanExporter();
initTracing("edge-tracing-test", { exporter: spans });

const CLIENT_TRACE = "0af7651916cd43dd8448eb211c80319c";
const unsampled = `00-${CLIENT_TRACE}-b7ad6b7169203331-00`;
const spanNamed = (name: string, kind = SpanKind.SERVER) => eventually(async () => spans.getFinishedSpans().find((s) => s.name === name && s.kind === kind), `a ${name} span`, 10_000);
const linkedToClient = (span: ReadableSpan) => span.links.map((link) => link.context.traceId);
const childrenOf = (parent: ReadableSpan) => spans.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
const dbSystem = (span: ReadableSpan) => span.attributes["db.system.name"];

test("the edge starts a new trace linked to the client's, recorded even when the client said -00; spans follow the conventions", async (t) => {
  const platform = await TestPlatform.create(t);
  await platform.start("auth", startAuth);
  const edge = await startEdge({ port: 0, env: platform.env, logger: createLogger("edge", "error") });
  t.teardown(() => edge.close());

  const email = `traced-${Date.now()}@example.com`;
  const registered = await fetch(`${edge.url}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json", traceparent: unsampled },
    body: JSON.stringify({ email, password: "correct-horse-9", display_name: "Traced" }),
  });
  t.is(registered.status, 200);
  const rest = await spanNamed("POST /v1/auth/register");
  t.not(rest.spanContext().traceId, CLIENT_TRACE, "the client does not choose the trace id");
  t.deepEqual(linkedToClient(rest), [CLIENT_TRACE], "the client's context is a link");
  t.like(rest.attributes, { "http.route": "/v1/auth/register", "http.request.method": "POST", "http.response.status_code": 200 });
  const served = await spanNamed("junction.auth.v1.AuthService/Register");
  t.is(served.spanContext().traceId, rest.spanContext().traceId, "auth's span is in the edge's trace, recorded despite -00");
  t.is(served.attributes["rpc.grpc.status_code"], 0);
  const edgeCall = spans.getFinishedSpans().find((s) => s.spanContext().spanId === served.parentSpanContext?.spanId)!;
  t.is(edgeCall.kind, SpanKind.CLIENT, "auth's span is a child of the edge's client span");
  t.like(edgeCall.attributes, { "rpc.grpc.status_code": 0, "server.address": "127.0.0.1", "server.port": Number(new URL(platform.url("auth")).port) });
  const queries = await eventually(async () => {
    const found = childrenOf(served).filter((s) => dbSystem(s) === "postgresql");
    return found.some((s) => s.name.startsWith("pg.query:COMMIT")) ? found : undefined;
  }, "Register's PostgreSQL spans", 10_000);
  t.true(queries.every((s) => s.kind === SpanKind.CLIENT));
  t.true(queries.some((s) => /^INSERT INTO "public"\."users"/.test(String(s.attributes["db.query.text"]))), "the user's INSERT is a child of auth's Register span");
  t.false(queries.some((s) => String(s.attributes["db.query.text"]).includes(email)), "statements carry placeholders, not values");
  t.truthy(served.resource.attributes["service.version"]);
  t.truthy(served.resource.attributes["service.instance.id"]);

  const anonymous = await fetch(`${edge.url}/v1/me`, { headers: { traceparent: unsampled } });
  t.is(anonymous.status, 401);
  const refused = await spanNamed("GET /v1/me");
  t.is(refused.attributes["http.response.status_code"], 401);
  t.not(refused.status.code, SpanStatusCode.ERROR, "a 401 is the client's doing, not a server error");

  const auth = createClient(AuthService, createGrpcTransport({ baseUrl: edge.url }));
  await t.throwsAsync(auth.login({ email, password: "wrong-horse-1" }, { headers: { traceparent: unsampled } }));
  const login = await eventually(async () => spans.getFinishedSpans().find((s) => s.name === "junction.auth.v1.AuthService/Login" && s.kind === SpanKind.SERVER && s.links.length > 0), "the edge's Login span", 10_000);
  t.not(login.spanContext().traceId, CLIENT_TRACE);
  t.deepEqual(linkedToClient(login), [CLIENT_TRACE]);
  t.is(login.attributes["rpc.grpc.status_code"], 16);
  t.not(login.status.code, SpanStatusCode.ERROR, "UNAUTHENTICATED is no server error");

  const authLogin = await eventually(async () => spans.getFinishedSpans().find((s) => s.name === login.name && s.kind === SpanKind.SERVER && s.spanContext().traceId === login.spanContext().traceId && s !== login), "auth's Login span", 10_000);
  const redis = childrenOf(authLogin).filter((s) => dbSystem(s) === "redis");
  t.true(redis.length > 0, "the login throttle's Redis commands are children of auth's Login span");
  for (const command of redis) {
    t.is(command.kind, SpanKind.CLIENT);
    t.regex(String(command.attributes["db.query.text"]), /^\w+ [^:]+:login-failures:…$/, "the command and the kind of key, nothing of the account or client");
  }
  t.true(childrenOf(authLogin).some((s) => dbSystem(s) === "postgresql"), "and so is its user lookup");
  const orphans = spans.getFinishedSpans().filter((s) => dbSystem(s) !== undefined && !s.parentSpanContext);
  t.deepEqual(orphans.map((s) => s.name), [], "queries outside a traced operation (outbox polling) start no traces");
});
