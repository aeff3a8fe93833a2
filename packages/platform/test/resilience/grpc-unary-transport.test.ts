// The lean client transport services call each other with (grpc-unary-transport.ts) gives
// callers what connect-node's gRPC transport gives them, against a real server: the message,
// headers and trailers; errors with code, message, details and metadata; a response over the
// read limit refused; a deadline that ends the call and cancels the server's handler with
// CANCEL (never a reset a server would take for a broken connection); a refused connection that
// reads as the transport failing.
import test, { type ExecutionContext } from "ava";
import { Code, ConnectError, createClient, type HandlerContext, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { domainError, errorReason } from "../../src/errors.js";
import { createGrpcUnaryTransport } from "../../src/resilience/grpc-unary-transport.js";
import { isTransportFailure } from "../../src/resilience/upstream-failure.js";
import { bind, startServiceServer, type ServiceBinding } from "../../src/server/service-server.js";
import { freePort } from "../support/ports.js";
import { testPolicy } from "../support/policy.js";
import { quietLogger } from "../support/silent-logger.js";

async function serve(t: ExecutionContext, services: ServiceBinding[]) {
  const server = await startServiceServer({ name: "orgs", port: 0, policy: testPolicy({ orgs: 1 }), logger: quietLogger("orgs"), services });
  t.teardown(() => server.close());
  return server;
}

/** A server whose handler waits until its call is aborted; `handlerSaw` is why (undefined if it was not within 3 s). */
async function serveUntilAborted(t: ExecutionContext) {
  let aborted: (reason: ConnectError) => void = () => {};
  const handlerSaw = new Promise<ConnectError | undefined>((resolve) => {
    aborted = resolve;
    setTimeout(() => resolve(undefined), 3000).unref();
  });
  const server = await serve(t, [
    bind(OrgsService, {
      async getOrganization(_req, ctx: HandlerContext) {
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
        aborted(ConnectError.from(ctx.signal.reason));
        return {};
      },
    }),
  ]);
  return { server, handlerSaw };
}

/** The lean transport and connect-node's, both to `url`. */
function bothTransports(url: string, readMaxBytes?: number): Array<[string, Transport]> {
  return [
    ["lean", createGrpcUnaryTransport({ baseUrl: url, readMaxBytes })],
    ["connect-node", createGrpcTransport({ baseUrl: url, readMaxBytes })],
  ];
}

test("a call answers the message, headers and trailers connect-node's transport answers", async (t) => {
  const server = await serve(t, [
    bind(OrgsService, {
      getOrganization(req, ctx: HandlerContext) {
        ctx.responseHeader.set("x-answer", "header");
        ctx.responseTrailer.set("x-answer", "trailer");
        return { organization: { orgId: req.orgId, name: `org ${ctx.requestHeader.get("x-asked")}` } };
      },
    }),
  ]);
  for (const [name, transport] of bothTransports(server.url)) {
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    const res = await createClient(OrgsService, transport).getOrganization({ orgId: "o1" }, { headers: { "x-asked": name }, onHeader: (h) => (header = h), onTrailer: (h) => (trailer = h), timeoutMs: 5000 });
    t.is(res.organization?.name, `org ${name}`, name);
    t.is(header?.get("x-answer"), "header", name);
    t.is(trailer?.get("x-answer"), "trailer", name);
  }
});

test("an error arrives with the same code, message, details and metadata through both transports", async (t) => {
  const server = await serve(t, [
    bind(OrgsService, {
      getOrganization(_req, ctx: HandlerContext) {
        ctx.responseTrailer.set("x-why", "because");
        throw domainError(Code.NotFound, "ORGANIZATION_NOT_FOUND", "no such organization", { organization_id: "o9" });
      },
    }),
  ]);
  const seen = [];
  for (const [name, transport] of bothTransports(server.url)) {
    const error = ConnectError.from(await t.throwsAsync(createClient(OrgsService, transport).getOrganization({ orgId: "o9" }, { timeoutMs: 5000 })));
    seen.push({ code: error.code, message: error.rawMessage, reason: errorReason(error), why: error.metadata.get("x-why") });
    t.log(name, error.message);
  }
  t.deepEqual(seen[0], { code: Code.NotFound, message: "no such organization", reason: "ORGANIZATION_NOT_FOUND", why: "because" });
  t.deepEqual(seen[0], seen[1]);
});

test("a response over the read limit is RESOURCE_EXHAUSTED", async (t) => {
  const server = await serve(t, [bind(OrgsService, { getOrganization: () => ({ organization: { orgId: "o1", name: "x".repeat(64 * 1024) } }) })]);
  for (const [name, transport] of bothTransports(server.url, 16 * 1024)) {
    const error = await t.throwsAsync(createClient(OrgsService, transport).getOrganization({ orgId: "o1" }, { timeoutMs: 5000 }));
    t.is(ConnectError.from(error).code, Code.ResourceExhausted, name);
  }
  // The limit refuses only what is over it.
  const res = await createClient(OrgsService, createGrpcUnaryTransport({ baseUrl: server.url, readMaxBytes: 128 * 1024 })).getOrganization({ orgId: "o1" }, { timeoutMs: 5000 });
  t.is(res.organization?.name.length, 64 * 1024);
});

test("a deadline ends the call as DEADLINE_EXCEEDED and the server's handler is cancelled, not failed", async (t) => {
  const { server, handlerSaw } = await serveUntilAborted(t);
  const started = Date.now();
  const error = await t.throwsAsync(createClient(OrgsService, createGrpcUnaryTransport({ baseUrl: server.url })).getOrganization({ orgId: "o1" }, { timeoutMs: 300 }));
  t.is(ConnectError.from(error).code, Code.DeadlineExceeded);
  t.true(Date.now() - started < 2000);
  const saw = await handlerSaw;
  // The server's own deadline or the client's CANCEL, whichever came first; an INTERNAL_ERROR
  // reset would read as the connection failing and make an upstream retry.
  t.true(saw?.code === Code.DeadlineExceeded || saw?.code === Code.Canceled, `handler saw ${saw?.message}`);
});

test("a cancelled call resets its stream with CANCEL: the server's handler sees CANCELED", async (t) => {
  const { server, handlerSaw } = await serveUntilAborted(t);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const error = await t.throwsAsync(createClient(OrgsService, createGrpcUnaryTransport({ baseUrl: server.url })).getOrganization({ orgId: "o1" }, { signal: controller.signal }));
  t.is(ConnectError.from(error).code, Code.Canceled);
  const saw = await handlerSaw;
  t.is(saw?.code, Code.Canceled, saw?.message);
});

test("a refused connection is UNAVAILABLE and reads as the transport failing", async (t) => {
  const port = await freePort();
  const error = await t.throwsAsync(createClient(OrgsService, createGrpcUnaryTransport({ baseUrl: `http://127.0.0.1:${port}` })).getOrganization({ orgId: "o1" }, { timeoutMs: 2000 }));
  t.is(ConnectError.from(error).code, Code.Unavailable);
  t.true(isTransportFailure(error));
});
