// The lean unary gRPC path (binary protobuf over HTTP/2, served from node:http2 streams) answers
// exactly as connect-node does on the same port, through the same interceptors: the same
// headers, message and trailers; errors before any message as Trailers-Only with the same
// status and details; deadlines, cancellation and forced shutdown reach the handler. Where it
// differs on purpose: bytes that are not the request message are INVALID_ARGUMENT, not INTERNAL.
import http2 from "node:http2";
import test, { type ExecutionContext } from "ava";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport } from "@connectrpc/connect-node";
import { GetOrganizationRequestSchema, GetOrganizationResponseSchema, OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { domainError } from "../../src/errors.js";
import { bind, startServiceServer, type ServiceBinding } from "../../src/server/service-server.js";
import { testPolicy } from "../support/policy.js";
import { quietLogger } from "../support/silent-logger.js";

const PATH = `/${OrgsService.typeName}/GetOrganization`;
/** What sends the same request to connect-node: an encoding the lean path leaves to it (the message itself is not compressed). */
const VIA_CONNECT = { "grpc-encoding": "gzip" };

/** An interceptor every call must pass, leaving a mark on request and response. */
const marking: Interceptor = (next) => async (req) => {
  const res = await next(req);
  res.header.set("x-marked", req.header.get("x-mark") ?? "none");
  return res;
};

async function serve(t: ExecutionContext, services: ServiceBinding[], graceMs = 2000) {
  const server = await startServiceServer({ name: "orgs", port: 0, policy: testPolicy({ orgs: 1 }), logger: quietLogger("orgs"), services, interceptors: [marking], shutdownGraceMs: graceMs });
  t.teardown(() => server.close());
  return server;
}

interface RawAnswer {
  headers: http2.IncomingHttpHeaders;
  /** True when the first HEADERS frame ended the stream (Trailers-Only). */
  trailersOnly: boolean;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders;
}

/** One gRPC request with `body` as its enveloped message, read frame by frame. */
function rawCall(url: string, message: Uint8Array, headers: http2.OutgoingHttpHeaders = {}, path = PATH): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    const answer: RawAnswer = { headers: {}, trailersOnly: false, body: Buffer.alloc(0), trailers: {} };
    req.on("response", (h, flags) => {
      answer.headers = h;
      answer.trailersOnly = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    });
    req.on("data", (chunk: Buffer) => (answer.body = Buffer.concat([answer.body, chunk])));
    req.on("trailers", (h) => (answer.trailers = h));
    req.on("error", reject);
    req.on("close", () => {
      session.close();
      resolve(answer);
    });
    req.end(envelope(message));
  });
}

function envelope(message: Uint8Array): Buffer {
  const framed = Buffer.alloc(5 + message.length);
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, 5);
  return framed;
}

const request = (orgId: string) => toBinary(GetOrganizationRequestSchema, create(GetOrganizationRequestSchema, { orgId }));
const withoutVolatile = (headers: http2.IncomingHttpHeaders) => {
  const { date: _date, "x-request-id": _id, "grpc-encoding": _encoding, ...rest } = headers;
  return rest;
};

test("a unary call answers as connect-node does: headers, message and trailers, through the interceptors", async (t) => {
  const server = await serve(t, [bind(OrgsService, { getOrganization: (req) => ({ organization: { orgId: req.orgId, name: "Acme" } }) })]);
  const lean = await rawCall(server.url, request("o1"), { "x-mark": "lean" });
  const connect = await rawCall(server.url, request("o1"), { "x-mark": "lean", ...VIA_CONNECT });
  t.deepEqual(withoutVolatile(lean.headers), withoutVolatile(connect.headers));
  t.is(lean.headers["x-marked"], "lean", "the server's interceptors ran");
  t.truthy(lean.headers["x-request-id"], "call observation ran");
  t.deepEqual(lean.body, connect.body);
  t.is(fromBinary(GetOrganizationResponseSchema, lean.body.subarray(5)).organization?.name, "Acme");
  t.deepEqual(lean.trailers, connect.trailers);
  t.is(lean.trailers["grpc-status"], "0");
});

test("an error before any message is Trailers-Only, with the status and details connect-node sends", async (t) => {
  const server = await serve(t, [
    bind(OrgsService, {
      getOrganization: () => {
        throw domainError(Code.NotFound, "ORGANIZATION_NOT_FOUND", "no such organization", { org_id: "o1" });
      },
    }),
  ]);
  const lean = await rawCall(server.url, request("o1"));
  const connect = await rawCall(server.url, request("o1"), VIA_CONNECT);
  t.true(lean.trailersOnly);
  t.true(connect.trailersOnly);
  t.is(lean.headers["grpc-status"], String(Code.NotFound));
  t.deepEqual(withoutVolatile(lean.headers), withoutVolatile(connect.headers));
  t.truthy(lean.headers["grpc-status-details-bin"]);
  t.truthy(lean.headers["x-request-id"]);
  t.is(lean.body.length, 0);
});

test("bytes that are not the request message are INVALID_ARGUMENT, Trailers-Only", async (t) => {
  let called = false;
  const server = await serve(t, [bind(OrgsService, { getOrganization: () => ((called = true), {}) })]);
  for (const garbage of [Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from("\x0a\x10short")]) {
    const answer = await rawCall(server.url, garbage);
    t.true(answer.trailersOnly);
    t.is(answer.headers["grpc-status"], String(Code.InvalidArgument));
  }
  const truncated = await new Promise<RawAnswer>((resolve, reject) => {
    const session = http2.connect(server.url);
    const req = session.request({ ":method": "POST", ":path": PATH, "content-type": "application/grpc" });
    req.on("response", (headers) => resolve({ headers, trailersOnly: true, body: Buffer.alloc(0), trailers: {} }));
    req.on("error", reject);
    req.on("close", () => session.close());
    req.end(Buffer.from([0, 0, 0, 0, 9, 1, 2])); // promises 9 bytes, brings 2
  });
  t.is(truncated.headers["grpc-status"], String(Code.InvalidArgument));
  t.false(called);
});

test("the caller's deadline reaches the handler; one above the policy's maximum is INVALID_ARGUMENT", async (t) => {
  let seen: number | undefined;
  const server = await serve(t, [bind(OrgsService, { getOrganization: (_req, ctx: HandlerContext) => ((seen = ctx.timeoutMs()), {}) })]);
  const ok = await rawCall(server.url, request("o1"), { "grpc-timeout": "1500m" });
  t.is(ok.trailers["grpc-status"], "0");
  t.true(seen !== undefined && seen > 1000 && seen <= 1500, `timeoutMs() was ${seen}`);
  const tooLong = await rawCall(server.url, request("o1"), { "grpc-timeout": "99999S" });
  t.is(tooLong.headers["grpc-status"], String(Code.InvalidArgument));
});

test("a caller that cancels aborts the handler's signal", async (t) => {
  let started!: () => void;
  const handlerStarted = new Promise<void>((resolve) => (started = resolve));
  const aborted = new Promise<unknown>((resolve) => {
    void serve(t, [
      bind(OrgsService, {
        getOrganization: (_req, ctx) =>
          new Promise((_resolve, reject) => {
            started();
            ctx.signal.addEventListener("abort", () => {
              resolve(ctx.signal.reason);
              reject(ctx.signal.reason);
            });
          }),
      }),
    ]).then((server) => {
      const session = http2.connect(server.url);
      const req = session.request({ ":method": "POST", ":path": PATH, "content-type": "application/grpc" });
      req.on("error", () => {});
      req.end(envelope(request("o1")));
      void handlerStarted.then(() => {
        req.close(http2.constants.NGHTTP2_CANCEL);
        session.close();
      });
    });
  });
  t.is(ConnectError.from(await aborted).code, Code.Canceled);
});

test("a forced shutdown cancels calls still in flight as UNAVAILABLE", async (t) => {
  let started!: () => void;
  const handlerStarted = new Promise<void>((resolve) => (started = resolve));
  let reason: unknown;
  const server = await serve(
    t,
    [
      bind(OrgsService, {
        getOrganization: (_req, ctx) =>
          new Promise((_resolve, reject) => {
            started();
            ctx.signal.addEventListener("abort", () => reject((reason = ctx.signal.reason)));
          }),
      }),
    ],
    100,
  );
  const answer = rawCall(server.url, request("o1")).catch(() => undefined);
  await handlerStarted;
  // close() waits on unreferenced timers; something must keep the process alive meanwhile.
  const alive = setInterval(() => {}, 1000);
  await server.close();
  clearInterval(alive);
  await answer;
  t.is(ConnectError.from(reason).code, Code.Unavailable);
});

test("a compressed request still goes to connect-node and is answered", async (t) => {
  const server = await serve(t, [bind(OrgsService, { getOrganization: (req) => ({ organization: { orgId: req.orgId } }) })]);
  const client = createClient(OrgsService, createGrpcTransport({ baseUrl: server.url, sendCompression: compressionGzip, compressMinBytes: 1 }));
  const res = await client.getOrganization({ orgId: "o-zipped" });
  t.is(res.organization?.orgId, "o-zipped");
});
