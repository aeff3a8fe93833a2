// grpc.health.v1.Health served by Connect on a real h2c port, checked with grpc-js (an
// independent gRPC implementation) and with Connect's own gRPC-Web client.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import test, { type ExecutionContext } from "ava";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createClient, type ConnectRouter } from "@connectrpc/connect";
import { Http2SessionManager, connectNodeAdapter, createGrpcWebTransport } from "@connectrpc/connect-node";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { HealthCheckResponse_ServingStatus } from "@junction/gen/health/v1/health_pb";
import { Health, HealthRegistry, healthService } from "../../src/server/health.js";

const AUTH = AuthService.typeName;

interface CheckResponse {
  status: string;
}
interface HealthClient extends grpc.Client {
  Check(request: { service: string }, callback: (error: grpc.ServiceError | null, response?: CheckResponse) => void): void;
  Watch(request: { service: string }): grpc.ClientReadableStream<CheckResponse>;
}

const healthProto = protoLoader.loadSync("node_modules/grpc-health-check/proto/health/v1/health.proto", {
  keepCase: true,
  enums: String,
  defaults: true,
});
const HealthClientConstructor = (grpc.loadPackageDefinition(healthProto) as unknown as {
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
}).grpc.health.v1.Health;

/** A real h2c server with AuthService (unimplemented) and health over `registry`; closed on teardown. */
async function serve(t: ExecutionContext, registry: HealthRegistry): Promise<{ address: string; client: HealthClient }> {
  const routes = (router: ConnectRouter): void => {
    router.service(AuthService, {});
    router.service(Health, healthService(registry));
  };
  const server = http2.createServer(connectNodeAdapter({ routes }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new HealthClientConstructor(address, grpc.credentials.createInsecure()) as unknown as HealthClient;
  t.teardown(async () => {
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { address, client };
}

function check(client: HealthClient, service: string): Promise<string> {
  return new Promise((resolve, reject) =>
    client.Check({ service }, (error, response) => (error ? reject(error) : resolve(response?.status ?? ""))),
  );
}

/** Reads a Watch stream message by message; `ended` settles with the final status. */
function watch(client: HealthClient, service: string) {
  const call = client.Watch({ service });
  const received: string[] = [];
  const waiting: ((status: string) => void)[] = [];
  call.on("data", ({ status }: CheckResponse) => {
    const next = waiting.shift();
    if (next) next(status);
    else received.push(status);
  });
  const ended = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
  call.on("error", () => {}); // the final status arrives on "status"
  return {
    call,
    ended,
    next: (): Promise<string> =>
      new Promise((resolve) => (received.length > 0 ? resolve(received.shift() as string) : waiting.push(resolve))),
  };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("Check answers SERVING for the server and its services, NOT_FOUND for unknown ones", async (t) => {
  const { client } = await serve(t, new HealthRegistry([AUTH]));
  t.is(await check(client, ""), "SERVING");
  t.is(await check(client, AUTH), "SERVING");
  const error = await t.throwsAsync<grpc.ServiceError>(check(client, "junction.nope.v1.NopeService"));
  t.is(error?.code, grpc.status.NOT_FOUND);
});

test("Check follows set() and shutdown()", async (t) => {
  const registry = new HealthRegistry([AUTH]);
  const { client } = await serve(t, registry);
  registry.set(AUTH, "NOT_SERVING");
  t.is(await check(client, AUTH), "NOT_SERVING");
  t.is(await check(client, ""), "SERVING");
  registry.shutdown();
  t.is(await check(client, ""), "NOT_SERVING");
  registry.set("", "SERVING"); // ignored after shutdown
  t.is(await check(client, ""), "NOT_SERVING");
});

test("Watch sends the current status, then every change, and ends on shutdown()", async (t) => {
  const registry = new HealthRegistry([AUTH]);
  const { client } = await serve(t, registry);
  const stream = watch(client, AUTH);
  t.is(await stream.next(), "SERVING");
  registry.set(AUTH, "NOT_SERVING");
  t.is(await stream.next(), "NOT_SERVING");
  registry.set(AUTH, "SERVING");
  t.is(await stream.next(), "SERVING");
  registry.shutdown();
  t.is(await stream.next(), "NOT_SERVING");
  t.is((await stream.ended).code, grpc.status.OK);
  t.is(registry.activeWatches, 0);
});

test("Watch of an unknown service sends SERVICE_UNKNOWN and stays open until the service is known", async (t) => {
  const registry = new HealthRegistry();
  const { client } = await serve(t, registry);
  const stream = watch(client, "junction.late.v1.LateService");
  t.is(await stream.next(), "SERVICE_UNKNOWN");
  registry.set("junction.late.v1.LateService", "SERVING");
  t.is(await stream.next(), "SERVING");
  registry.shutdown();
  t.is(await stream.next(), "NOT_SERVING");
  t.is((await stream.ended).code, grpc.status.OK);
});

test("Watch stops when the client goes away", async (t) => {
  const registry = new HealthRegistry([AUTH]);
  const { client } = await serve(t, registry);
  const stream = watch(client, AUTH);
  t.is(await stream.next(), "SERVING");
  t.is(registry.activeWatches, 1);
  stream.call.cancel();
  t.is((await stream.ended).code, grpc.status.CANCELLED);
  await until(() => registry.activeWatches === 0);
  t.pass();
});

test("the same port answers health over gRPC-Web (Connect client)", async (t) => {
  const { address } = await serve(t, new HealthRegistry([AUTH]));
  const baseUrl = `http://${address}`;
  const sessionManager = new Http2SessionManager(baseUrl);
  t.teardown(() => sessionManager.abort());
  const transport = createGrpcWebTransport({ baseUrl, httpVersion: "2", sessionManager });
  const health = createClient(Health, transport);
  const { status } = await health.check({ service: AUTH });
  t.is(status, HealthCheckResponse_ServingStatus.SERVING);
  const { statuses } = await health.list({});
  t.deepEqual(Object.keys(statuses).sort(), ["", AUTH]);
});
