// The edge against requests meant to break it: a path with a bad percent-escape, repeated or
// dot segments, a Host that makes no URL, a message that does not decode. Each gets a 4xx in the caller's protocol, and the edge
// keeps serving (an exception escaping here would end the test process with the edge).
import { randomUUID } from "node:crypto";
import net from "node:net";
import test from "ava";
import { createLogger } from "@junction/platform";
import { startEdge } from "../src/edge.js";

const edge = await startEdge({
  port: 0,
  logger: createLogger("edge-test", "silent"),
  // No upstream runs: every answer here is the edge's own.
  env: { ...process.env, JUNCTION_REDIS_NAMESPACE: `edge-hostile-${randomUUID()}`, JUNCTION_SERVICE_SECRET: randomUUID() + randomUUID(), LOG_LEVEL: "silent", JUNCTION_HEADERS_TIMEOUT: "500ms" },
});
test.after.always(() => edge.close());

function rawExchange(request: string): Promise<string> {
  return new Promise((resolve) => {
    // Written, not ended: the answer comes back on a connection the client keeps open (Connection: close ends it).
    const socket = net.connect(edge.port, "127.0.0.1", () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.setTimeout(2000, () => socket.destroy());
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);

test("a bad percent-escape in a REST path is a 400 INVALID_ARGUMENT in every caller's shape", async (t) => {
  for (const path of ["/v1/users/%zz/profile", "/v1/users/%E0%A4%A/profile", "/v1/orgs/%/members"]) {
    const rest = await fetch(`${edge.url}${path}`);
    t.is(rest.status, 400, path);
    t.like(await rest.json(), { code: 3 });
    const connect = await fetch(`${edge.url}${path}`, { headers: { "connect-protocol-version": "1" } });
    t.is(connect.status, 400);
    t.like(await connect.json(), { code: "invalid_argument" });
    const grpcWeb = await fetch(`${edge.url}${path}`, { method: "POST", headers: { "content-type": "application/grpc-web+proto" }, body: new Uint8Array(5) });
    t.is(grpcWeb.headers.get("grpc-status"), "3");
  }
});

test("path tricks and a Host that makes no URL get 4xx answers, and the edge serves on", async (t) => {
  const requests = [
    "GET // HTTP/1.1\r\nHost: x\r\n",
    "GET //x:99/v1/users/u1/profile HTTP/1.1\r\nHost: x\r\n",
    "GET /./../v1/%2e%2e/users HTTP/1.1\r\nHost: x\r\n",
    "GET /v1/users/u1%2Fx/profile HTTP/1.1\r\nHost: x\r\n",
    "GET /v1/users/u1/profile HTTP/1.1\r\nHost: a b\r\n",
    "POST /junction.users.v1.UsersService/GetMe HTTP/1.1\r\nHost: a b\r\nContent-Type: application/json\r\nConnect-Protocol-Version: 1\r\nContent-Length: 2\r\n\r\n{}",
  ];
  for (const request of requests) {
    const answer = await rawExchange(request.endsWith("{}") ? request.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n") : `${request}Connection: close\r\n\r\n`);
    const status = statusOf(answer);
    t.true(status >= 400 && status < 500, `${request.split("\r\n")[0]} → ${answer.slice(0, 200)}`);
  }
  t.is((await fetch(`${edge.url}/healthz`)).status, 200);
});

test("a request message that does not decode is INVALID_ARGUMENT at the edge, as on every service port", async (t) => {
  const login = `${edge.url}/junction.auth.v1.AuthService/Login`;
  const garbage = Uint8Array.from([0x0a, 0x7f, 0x01]);
  const connect = await fetch(login, { method: "POST", headers: { "content-type": "application/proto", "connect-protocol-version": "1" }, body: garbage });
  t.is(connect.status, 400);
  t.like(await connect.json(), { code: "invalid_argument" });
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, garbage.byteLength]), garbage]);
  const grpcWeb = await fetch(login, { method: "POST", headers: { "content-type": "application/grpc-web+proto" }, body: frame });
  const text = Buffer.from(await grpcWeb.arrayBuffer()).toString("latin1");
  t.is(grpcWeb.headers.get("grpc-status") ?? /grpc-status: ?(\d+)/.exec(text)?.[1], "3");
});

test("a connection that sends nothing, or half a request head, is closed at the headers timeout (JUNCTION_HEADERS_TIMEOUT)", async (t) => {
  for (const bytes of ["", "GET /healthz HTTP/1.1\r\nHost: x\r\n"]) {
    const started = Date.now();
    const answer = await rawExchange(bytes);
    const ms = Date.now() - started;
    t.true(ms >= 400 && ms < 1900, `${JSON.stringify(bytes)}: closed after ${ms} ms`);
    if (bytes) t.regex(answer, /^HTTP\/1\.1 408/);
  }
});

test("an RPC that needs a token is refused on its headers: a gzip bomb without a token is 401, not inflated", async (t) => {
  const { gzipSync } = await import("node:zlib");
  const bomb = gzipSync(Buffer.from(JSON.stringify({ displayName: "a".repeat(8 * 1024 * 1024) })));
  const res = await fetch(`${edge.url}/junction.users.v1.UsersService/GetMe`, {
    method: "POST",
    headers: { "content-type": "application/json", "content-encoding": "gzip", "connect-protocol-version": "1" },
    body: bomb,
  });
  t.is(res.status, 401, "refused before the body is decoded (which would answer 429 resource_exhausted)");
  t.like(await res.json(), { code: "unauthenticated" });
  t.regex(res.headers.get("www-authenticate") ?? "", /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/junction\.users\.v1\.UsersService\/GetMe"$/);
});
