// The service server on real loopback ports: one port for Connect, gRPC and gRPC-Web over
// HTTP/1.1 and h2c, health and reflection for independent clients, HTTP probes, errors and
// graceful shutdown.
import test, { type ExecutionContext } from "ava";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { InternalOrgsService, ListUserOrganizationsResponseSchema } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { bind, startServiceServer } from "../src/server/service-server.js";
import { quietLogger } from "./support/silent-logger.js";
import { testPolicy } from "./support/policy.js";

async function startOrgs(t: ExecutionContext, impl: Parameters<typeof bind<typeof OrgsService>>[1] = {}, graceMs = 2000) {
  const server = await startServiceServer({
    name: "orgs",
    port: 0,
    policy: testPolicy({ orgs: 1 }),
    logger: quietLogger("orgs"),
    shutdownGraceMs: graceMs,
    services: [
      bind(OrgsService, impl),
      bind(InternalOrgsService, {
        listUserOrganizations: (req) => create(ListUserOrganizationsResponseSchema, { organizations: [{ organization: { orgId: `org-of-${req.userId}` } }] }),
      }),
    ],
  });
  t.teardown(() => server.close());
  return server;
}

const transports: Record<string, (baseUrl: string) => Transport> = {
  "Connect over HTTP/1.1": (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1" }),
  "Connect over h2c": (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "2" }),
  "gRPC": (baseUrl) => createGrpcTransport({ baseUrl }),
  "gRPC-Web over HTTP/1.1": (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
  "gRPC-Web over h2c": (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: "2" }),
};

for (const [name, transport] of Object.entries(transports)) {
  test(`one port answers ${name}`, async (t) => {
    const server = await startOrgs(t);
    const client = createClient(InternalOrgsService, transport(server.url));
    const res = await client.listUserOrganizations({ userId: "u1" });
    t.is(res.organizations[0]?.organization?.orgId, "org-of-u1");
  });
}

test("an independent gRPC client (grpc-js) sees health SERVING per service, NOT_FOUND for unknown ones", async (t) => {
  const server = await startOrgs(t);
  const definition = protoLoader.loadSync("node_modules/grpc-health-check/proto/health/v1/health.proto", { enums: String });
  const { grpc: pkg } = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  const health = new pkg.health.v1.Health(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  t.teardown(() => health.close());
  const check = (service: string) =>
    new Promise<{ status: string }>((resolve, reject) =>
      health.check!({ service }, (error: grpc.ServiceError | null, res: { status: string }) => (error ? reject(error) : resolve(res))),
    );
  t.is((await check("")).status, "SERVING");
  t.is((await check("junction.orgs.v1.OrgsService")).status, "SERVING");
  const error = await t.throwsAsync<grpc.ServiceError>(check("no.such.Service"));
  t.is(error?.code, grpc.status.NOT_FOUND);
});

test("the reflection service lists every served service to a grpc-js client", async (t) => {
  const server = await startOrgs(t);
  const definition = protoLoader.loadSync("node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto");
  const { grpc: pkg } = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const reflection = new pkg.reflection.v1.ServerReflection(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  t.teardown(() => reflection.close());
  const stream = reflection.serverReflectionInfo!();
  const answer = new Promise<{ listServicesResponse: { service: Array<{ name: string }> } }>((resolve, reject) => {
    stream.once("data", resolve);
    stream.once("error", reject);
  });
  stream.write({ listServices: "" });
  const names = (await answer).listServicesResponse.service.map((s) => s.name);
  stream.end();
  t.true(names.includes("junction.orgs.v1.OrgsService"));
  t.true(names.includes("junction.orgs.v1.InternalOrgsService"));
  t.true(names.includes("grpc.health.v1.Health"));
  t.true(names.includes("grpc.reflection.v1.ServerReflection"));
  t.true(names.includes("grpc.reflection.v1alpha.ServerReflection"));
});

test("/healthz, /readyz and /metrics answer over plain HTTP", async (t) => {
  const server = await startOrgs(t);
  const healthz = await fetch(`${server.url}/healthz`);
  t.is(healthz.status, 200);
  t.like(await healthz.json(), { status: "alive", service: "orgs" });
  const readyz = await fetch(`${server.url}/readyz`);
  t.is(readyz.status, 200);
  const client = createClient(InternalOrgsService, createGrpcTransport({ baseUrl: server.url }));
  await client.listUserOrganizations({ userId: "u1" });
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  t.regex(metrics, /junction_rpc_server_duration_seconds_count\{rpc_service="junction.orgs.v1.InternalOrgsService",rpc_method="ListUserOrganizations",code="OK"\} [1-9]/);
});

test("/readyz answers 503 naming the dependency that fails", async (t) => {
  const server = await startServiceServer({
    name: "orgs",
    port: 0,
    policy: testPolicy({ orgs: 1 }),
    logger: quietLogger("orgs"),
    services: [],
    readiness: [{ name: "postgres", check: async () => Promise.reject(new Error("connection refused")) }],
  });
  t.teardown(() => server.close());
  const res = await fetch(`${server.url}/readyz`);
  t.is(res.status, 503);
  t.like(await res.json(), { ready: false, checks: { postgres: "connection refused" } });
});

test("an unexpected exception becomes INTERNAL without its message or stack", async (t) => {
  const server = await startOrgs(t, {
    getOrganization: () => {
      throw new Error("secret database password in a stack trace");
    },
  });
  const client = createClient(OrgsService, createGrpcTransport({ baseUrl: server.url }));
  const error = await t.throwsAsync(client.getOrganization({ orgId: "o1" }));
  const connectError = ConnectError.from(error);
  t.is(connectError.code, Code.Internal);
  t.notRegex(connectError.message, /secret|stack|Error:/);
});

test("graceful shutdown lets an in-flight call finish and then refuses new connections", async (t) => {
  let started!: () => void;
  const inFlight = new Promise<void>((resolve) => (started = resolve));
  const server = await startOrgs(t, {
    getOrganization: async (req) => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { organization: { orgId: req.orgId } };
    },
  });
  const steps: string[] = [];
  server.onShutdown(() => steps.push("consumers stopped"));
  const client = createClient(OrgsService, createGrpcTransport({ baseUrl: server.url }));
  const call = client.getOrganization({ orgId: "o1" });
  await inFlight;
  const closed = server.close();
  t.is((await call).organization?.orgId, "o1");
  await closed;
  t.deepEqual(steps, ["consumers stopped"]);
  const fresh = createClient(OrgsService, createGrpcTransport({ baseUrl: server.url }));
  const error = await t.throwsAsync(fresh.getOrganization({ orgId: "o2" }));
  t.is(ConnectError.from(error).code, Code.Unavailable);
});
