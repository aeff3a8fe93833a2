// A request message that does not decode is INVALID_ARGUMENT in every protocol a service port
// speaks (HTTP 400 for Connect unary, grpc-status 3 for gRPC and gRPC-Web, "invalid_argument" in a
// Connect stream's end message), never INTERNAL: garbage protobuf, a truncated frame, a Connect
// GET whose message is not base64, JSON that does not parse.
import test, { type ExecutionContext } from "ava";
import { Code } from "@connectrpc/connect";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { bind, type ServiceServer } from "../../src/server/service-server.js";
import { LIST_USER_ORGANIZATIONS, startOrgsServer } from "../support/orgs-server.js";
import { grpcStatus } from "../support/raw-grpc.js";

const UNARY = LIST_USER_ORGANIZATIONS;
const STREAM = "/junction.notifications.v1.NotificationsService/WatchNotifications";

async function startTarget(t: ExecutionContext): Promise<ServiceServer> {
  const server = await startOrgsServer({ services: [bind(NotificationsService, { async *watchNotifications() {} })] });
  t.teardown(() => server.close());
  return server;
}

/** Message bytes that are no protobuf: field 1 claims 0x7f bytes and the input ends. */
const GARBAGE = Uint8Array.from([0x0a, 0x7f, 0x01]);
const frame = (payload: Uint8Array, flags = 0, length = payload.byteLength) => {
  const bytes = Buffer.alloc(5 + payload.byteLength);
  bytes[0] = flags;
  bytes.writeUInt32BE(length, 1);
  bytes.set(payload, 5);
  return bytes;
};
const FRAMES = { garbage: frame(GARBAGE), truncated: frame(GARBAGE, 0, 40) };

async function grpcWebStatus(server: ServiceServer, path: string, body: Uint8Array): Promise<string | null> {
  const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/grpc-web+proto" }, body });
  const text = Buffer.from(await res.arrayBuffer()).toString("latin1");
  return res.headers.get("grpc-status") ?? /grpc-status: ?(\d+)/.exec(text)?.[1] ?? null;
}

test("Connect unary: protobuf that does not parse, by POST or GET, is 400 invalid_argument", async (t) => {
  const server = await startTarget(t);
  const post = await fetch(`${server.url}${UNARY}`, { method: "POST", headers: { "content-type": "application/proto", "connect-protocol-version": "1" }, body: GARBAGE });
  t.is(post.status, 400);
  t.like(await post.json(), { code: "invalid_argument" });
  const message = Buffer.from(GARBAGE).toString("base64url");
  const get = await fetch(`${server.url}${UNARY}?connect=v1&encoding=proto&base64=1&message=${message}`);
  t.is(get.status, 400);
  t.like(await get.json(), { code: "invalid_argument" });
});

test("Connect GET: a message that is not base64, or an encoding nobody speaks, is a 4xx", async (t) => {
  const server = await startTarget(t);
  const notBase64 = await fetch(`${server.url}${UNARY}?connect=v1&encoding=proto&base64=1&message=!!!`);
  t.is(notBase64.status, 400);
  t.like(await notBase64.json(), { code: "invalid_argument" });
  const badJson = await fetch(`${server.url}${UNARY}?connect=v1&encoding=json&message=%7Bbad`);
  t.is(badJson.status, 400);
  const unknownEncoding = await fetch(`${server.url}${UNARY}?connect=v1&encoding=yaml&message=x`);
  t.is(unknownEncoding.status, 415);
  const good = await fetch(`${server.url}${UNARY}?connect=v1&encoding=proto&base64=1&message=${Buffer.from([0x0a, 0x02, 0x75, 0x31]).toString("base64url")}`);
  t.is(good.status, 200, "a well-formed GET still works");
});

test("Connect JSON that does not parse is 400 invalid_argument", async (t) => {
  const server = await startTarget(t);
  const res = await fetch(`${server.url}${UNARY}`, { method: "POST", headers: { "content-type": "application/json", "connect-protocol-version": "1" }, body: "{bad" });
  t.is(res.status, 400);
  t.like(await res.json(), { code: "invalid_argument" });
});

test("Connect stream: a request frame that does not parse ends the stream with invalid_argument", async (t) => {
  const server = await startTarget(t);
  for (const body of Object.values(FRAMES)) {
    const res = await fetch(`${server.url}${STREAM}`, { method: "POST", headers: { "content-type": "application/connect+proto", "connect-protocol-version": "1" }, body });
    t.is(res.status, 200);
    t.regex(Buffer.from(await res.arrayBuffer()).toString("utf8"), /"code":"invalid_argument"/);
  }
});

test("gRPC: garbage or truncated frames are INVALID_ARGUMENT, unary and streaming", async (t) => {
  const server = await startTarget(t);
  for (const [name, body] of Object.entries(FRAMES)) {
    t.is(await grpcStatus(server.url, UNARY, body), String(Code.InvalidArgument), `unary, ${name}`);
    t.is(await grpcStatus(server.url, STREAM, body), String(Code.InvalidArgument), `stream, ${name}`);
  }
});

test("gRPC-Web: garbage or truncated frames are INVALID_ARGUMENT", async (t) => {
  const server = await startTarget(t);
  for (const [name, body] of Object.entries(FRAMES)) {
    t.is(await grpcWebStatus(server, UNARY, body), String(Code.InvalidArgument), `unary, ${name}`);
    t.is(await grpcWebStatus(server, STREAM, body), String(Code.InvalidArgument), `stream, ${name}`);
  }
});
