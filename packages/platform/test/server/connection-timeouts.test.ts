// Slow clients cannot hold a service port's connections: a connection that sends nothing, or half
// a request head, is closed at the headers timeout; an HTTP/2 connection idle with no stream open
// at the idle timeout. A server stream that stays quiet longer than that keeps its connection.
import http2 from "node:http2";
import net from "node:net";
import test, { type ExecutionContext } from "ava";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { NotificationSchema, NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { connectionTimeouts } from "../../src/server/connection-timeouts.js";
import { startServiceServer, bind, type ServiceServer } from "../../src/server/service-server.js";
import { quietLogger } from "../support/silent-logger.js";
import { testPolicy } from "../support/policy.js";

const TIMEOUTS = { headersMs: 300, idleMs: 600 };

async function startTarget(t: ExecutionContext): Promise<ServiceServer> {
  const server = await startServiceServer({
    name: "notifications",
    port: 0,
    policy: testPolicy({ notifications: 1 }),
    logger: quietLogger("notifications"),
    connectionTimeouts: TIMEOUTS,
    services: [
      bind(NotificationsService, {
        async *watchNotifications() {
          // Quiet for longer than the idle timeout, as a stream waiting for the next notification is.
          await new Promise((resolve) => setTimeout(resolve, TIMEOUTS.idleMs * 2));
          yield { notification: create(NotificationSchema, { notificationId: "n1" }) };
        },
      }),
    ],
  });
  t.teardown(() => server.close());
  return server;
}

/** Opens a connection, writes `bytes`, and resolves with how long until the server closed it and what it said. */
function closedAfter(port: number, bytes: Uint8Array | string): Promise<{ ms: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket = net.connect(port, "127.0.0.1", () => {
      if (bytes.length > 0) socket.write(bytes);
    });
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve({ ms: Date.now() - started, answer: Buffer.concat(chunks).toString("latin1") }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error("the server kept the connection open"));
    }, 5000).unref();
  });
}

test("a connection that sends nothing is closed at the headers timeout", async (t) => {
  const server = await startTarget(t);
  const { ms } = await closedAfter(server.port, "");
  t.true(ms >= TIMEOUTS.headersMs - 50 && ms < 3000, `${ms} ms`);
});

test("an HTTP/1.1 request head that never ends is answered 408 and closed", async (t) => {
  const server = await startTarget(t);
  const { ms, answer } = await closedAfter(server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  t.true(ms < 3000, `${ms} ms`);
  t.regex(answer, /^HTTP\/1\.1 408/);
});

test("an HTTP/2 connection that stops after its preface is closed at the idle timeout", async (t) => {
  const server = await startTarget(t);
  const { ms } = await closedAfter(server.port, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  t.true(ms >= TIMEOUTS.idleMs - 50 && ms < 3000, `${ms} ms`);
});

test("an HTTP/2 connection with no stream open is closed at the idle timeout, one with a quiet stream is kept", async (t) => {
  const server = await startTarget(t);
  const session = http2.connect(server.url);
  const closed = new Promise<number>((resolve) => session.once("close", () => resolve(Date.now())));
  const started = Date.now();
  await new Promise((resolve) => session.once("connect", resolve));
  t.true((await closed) - started < 3000);

  const client = createClient(NotificationsService, createGrpcTransport({ baseUrl: server.url }));
  const received: string[] = [];
  for await (const event of client.watchNotifications({})) received.push(event.notification?.notificationId ?? "");
  t.deepEqual(received, ["n1"]);
});

test("the timeouts come from the environment, as durations", (t) => {
  t.deepEqual(connectionTimeouts({ JUNCTION_HEADERS_TIMEOUT: "2s", JUNCTION_IDLE_TIMEOUT: "5m" }), { headersMs: 2000, idleMs: 300_000 });
  t.deepEqual(connectionTimeouts({}), { headersMs: 10_000, idleMs: 60_000 });
  t.throws(() => connectionTimeouts({ JUNCTION_IDLE_TIMEOUT: "soon" }));
});
