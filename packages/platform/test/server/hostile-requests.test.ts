// No request ends a service process: a request target that does not parse, a handler that throws
// or rejects, a client that resets before its first byte. Each gets an answer in its protocol (or
// nothing, when there is no one left to answer), and the port serves the next request.
import type http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import test, { type ExecutionContext } from "ava";
import { Code } from "@connectrpc/connect";
import type { ServiceServer } from "../../src/server/service-server.js";
import { startOrgsServer } from "../support/orgs-server.js";

async function startHostileTarget(t: ExecutionContext): Promise<ServiceServer> {
  const server = await startOrgsServer({
    httpRoutes: {
      // Handlers with the mistakes a route can make: decoding the path, parsing the URL, failing later.
      "/decodes": (req, res) => void res.end(decodeURIComponent(req.url ?? "")),
      "/parses": (req, res) => void res.end(new URL(req.url ?? "", `http://${req.headers.host}`).pathname),
      "/rejects": async () => {
        await Promise.resolve();
        throw new Error("handler bug");
      },
      "/throws-midway": (_req, res) => {
        (res as http.ServerResponse).write("partial");
        throw new Error("handler bug after the head was sent");
      },
    },
    fallback: (req) => void decodeURIComponent(req.url ?? ""),
  });
  t.teardown(() => server.close());
  return server;
}

async function alive(t: ExecutionContext, server: ServiceServer) {
  const res = await fetch(`${server.url}/healthz`);
  t.is(res.status, 200, "the port still serves");
}

/** Sends `request` as raw bytes and returns what came back (the connection is closed by the server or after 2 s). */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.setTimeout(2000, () => socket.destroy());
  });
}

test("a bad percent-escape a plain route decodes is a 400 in REST shape", async (t) => {
  const server = await startHostileTarget(t);
  const decoded = await rawExchange(server.port, "GET /decodes?%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  t.regex(decoded, /^HTTP\/1\.1 400/);
  t.regex(decoded, /"code":3/);
  await alive(t, server);
});

test("a URL that does not parse is a 400, for REST and Connect callers, and gRPC-Web gets INVALID_ARGUMENT", async (t) => {
  const server = await startHostileTarget(t);
  const rest = await rawExchange(server.port, "GET /parses HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n");
  t.regex(rest, /^HTTP\/1\.1 400/);
  const connect = await rawExchange(server.port, "GET /parses HTTP/1.1\r\nHost: a b\r\nConnect-Protocol-Version: 1\r\nConnection: close\r\n\r\n");
  t.regex(connect, /^HTTP\/1\.1 400/);
  t.regex(connect, /"code":"invalid_argument"/);
  const grpcWeb = await rawExchange(server.port, "POST /parses HTTP/1.1\r\nHost: a b\r\nContent-Type: application/grpc-web+proto\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  t.regex(grpcWeb, /grpc-status: 3/);
  await alive(t, server);
});

test("an RPC path whose Host does not make a URL is answered, not thrown", async (t) => {
  const server = await startHostileTarget(t);
  const body = "{}";
  const res = await rawExchange(
    server.port,
    `POST /junction.orgs.v1.InternalOrgsService/ListUserOrganizations HTTP/1.1\r\nHost: a b\r\nContent-Type: application/json\r\nConnect-Protocol-Version: 1\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
  t.regex(res, /^HTTP\/1\.1 [24]\d\d/);
  await alive(t, server);
});

test("a fallback that throws on a bad escape answers 400, and gRPC callers get INVALID_ARGUMENT", async (t) => {
  const server = await startHostileTarget(t);
  const res = await fetch(`${server.url}/v1/users/%zz/profile`);
  t.is(res.status, 400);
  t.like(await res.json(), { code: Code.InvalidArgument });
  const session = http2.connect(server.url);
  t.teardown(() => session.close());
  const stream = session.request({ ":method": "POST", ":path": "/v1/%zz", "content-type": "application/grpc", te: "trailers" });
  stream.end();
  const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once("response", resolve));
  stream.resume();
  t.is(headers["grpc-status"], String(Code.InvalidArgument));
  await alive(t, server);
});

test("a handler that rejects is INTERNAL without its message; one that fails after its head was sent is cut", async (t) => {
  const server = await startHostileTarget(t);
  const rejected = await fetch(`${server.url}/rejects`);
  t.is(rejected.status, 500);
  t.notRegex(await rejected.text(), /handler bug/);
  const midway = await rawExchange(server.port, "GET /throws-midway HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  t.notRegex(midway, /\r\n0\r\n\r\n$/, "the chunked body is not ended as if complete");
  await alive(t, server);
});

test("a connection reset before its first byte, or after half a request line, leaves the port serving", async (t) => {
  const server = await startHostileTarget(t);
  for (const bytes of ["", "GET /hea"]) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(server.port, "127.0.0.1", () => {
        if (bytes) socket.write(bytes);
        setTimeout(() => socket.resetAndDestroy(), 50);
      });
      socket.on("error", () => undefined);
      socket.on("close", () => resolve());
    });
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  await alive(t, server);
});
