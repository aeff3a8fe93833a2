// A hostile-input corpus through the TypeScript edge and a service port: path tricks, bad
// encodings, oversize and deeply nested JSON, wrong methods and content types, header floods.
// Oracle: no answer is a 5xx but the 503 of an upstream that is not running, no gRPC caller gets
// INTERNAL or UNKNOWN,
// no body shows a stack trace, a file path or an internal address, and both processes still
// serve. The counts by status are logged (`npx ava --verbose`).
import { randomUUID } from "node:crypto";
import net from "node:net";
import test from "ava";
import { create } from "@bufbuild/protobuf";
import { InternalOrgsService, ListUserOrganizationsResponseSchema } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { bind, CommunicationPolicy, createLogger, startServiceServer } from "@junction/platform";
import { startEdge } from "../src/edge.js";

const logger = createLogger("corpus", "silent");
const edge = await startEdge({
  port: 0,
  logger,
  env: { ...process.env, JUNCTION_REDIS_NAMESPACE: `edge-corpus-${randomUUID()}`, JUNCTION_SERVICE_SECRET: randomUUID() + randomUUID(), JUNCTION_EDGE_RATE_LIMIT_PER_CLIENT: "0", LOG_LEVEL: "silent" },
});
const service = await startServiceServer({
  name: "orgs",
  port: 0,
  policy: CommunicationPolicy.load(new URL("../../../policy.yaml", import.meta.url).pathname),
  logger,
  services: [bind(InternalOrgsService, { listUserOrganizations: () => create(ListUserOrganizationsResponseSchema, {}) })],
});
test.after.always(async () => {
  await edge.close();
  await service.close();
});

const RPC = "/junction.orgs.v1.InternalOrgsService/ListUserOrganizations";
const LOGIN = "/junction.auth.v1.AuthService/Login";
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

/** Raw HTTP/1.1 requests: a request line (path kept as written) and headers, and maybe a body. */
function corpus(rpcPath: string): string[] {
  const get = (path: string, headers = "") => `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`;
  const post = (path: string, contentType: string, body: string, headers = "") =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\n${headers}Content-Length: ${Buffer.byteLength(body, "latin1")}\r\nConnection: close\r\n\r\n${body}`;
  return [
    ...["/%zz", "/v1/users/%zz/profile", "//", "///v1/users", "/./", "/../../etc/passwd", "/v1/%2e%2e/users", "/v1/users%2Fu1/profile", "/v1/users/u1%5cx/profile", "/%00", "/v1/users/%C0%AF/profile", "/v1/users/%ED%A0%80/profile", `/${"a".repeat(8000)}`, "/?%zz=%zz", `${rpcPath}?connect=v1&encoding=proto&base64=1&message=%zz`].map((path) => get(path)),
    get("/v1/users/u1/profile", "X-Flood: " + "a".repeat(20_000) + "\r\n"),
    get("/", Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join("")),
    get("/v1/users/u1/profile", "Host: a b\r\n"),
    post(rpcPath, "application/json", "{bad", "Connect-Protocol-Version: 1\r\n"),
    post(rpcPath, "application/json", nested(50_000), "Connect-Protocol-Version: 1\r\n"),
    post(rpcPath, "application/json", '{"userId":"\udc00\xff\xfe"}', "Connect-Protocol-Version: 1\r\n"),
    post(rpcPath, "application/proto", "\xff\xff\xff\xff", "Connect-Protocol-Version: 1\r\n"),
    post(rpcPath, "application/grpc-web+proto", "\x00\x00\x00\x00\x04\xff\xff\xff\xff"),
    post(rpcPath, "application/grpc-web+proto", "\x00\xff\xff\xff\xff"),
    post(rpcPath, "application/grpc-web+proto", "\x80\x00\x00\x00\x00"),
    post(rpcPath, "text/plain", "hello"),
    post(rpcPath, "application/xml", "<a/>", "Connect-Protocol-Version: 1\r\n"),
    `PUT ${rpcPath} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    `DELETE ${rpcPath} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    post("/v1/auth/login", "application/json", nested(50_000)),
    post("/v1/auth/login", "application/json", "{bad"),
    post("/v1/auth/login", "application/json", `{"email":"${"a".repeat(2 * 1024 * 1024)}"}`),
    post("/v1/auth/login", "text/plain", "x"),
    `POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
    `GET /v1/users/u1/profile HTTP/9.9\r\nHost: x\r\n\r\n`,
    `\x00\x01\x02 garbage\r\n\r\n`,
  ];
}

function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(Buffer.from(request, "latin1")));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

const LEAKS = /127\.0\.0\.1:\d+(?!\/junction\.)|\/work\/|node_modules|\bat \S+ \(|\.ts:\d+/;

for (const [name, target, rpcPath] of [["the TypeScript edge", () => edge, LOGIN], ["a service port", () => service, RPC]] as const) {
  test(`${name}: no hostile request gets a 5xx (but an outage's 503) or INTERNAL, nothing leaks, the process serves on`, async (t) => {
    const counts: Record<string, number> = {};
    for (const request of corpus(rpcPath)) {
      const answer = await exchange(target().port, request);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      const grpcStatus = /grpc-status: ?(\d+)/i.exec(answer)?.[1];
      const label = grpcStatus === undefined ? String(status || "closed") : `${status} grpc-status ${grpcStatus}`;
      counts[label] = (counts[label] ?? 0) + 1;
      const line = JSON.stringify(request.slice(0, 80));
      // 503/504 only for an outage: the edge's upstream is not running. A request the corpus got right by accident may be a 200.
      t.true(status < 500 || status === 503 || status === 504, `${line} → ${status}`);
      if (grpcStatus !== undefined) t.false(["2", "13"].includes(grpcStatus), `${line} → grpc-status ${grpcStatus}`);
      t.notRegex(answer.replace(/^[\s\S]*?\r\n\r\n/, ""), LEAKS, `${line} leaks`);
    }
    t.log(`${corpus(rpcPath).length} requests:`, counts);
    t.is((await fetch(`${target().url}/healthz`)).status, 200);
  });
}
