// A sixth service through the manifest alone: a toy proto (test/fixtures/toy) built into a
// descriptor set with Junction's contracts, a copy of manifest.yaml with one more entry, and a
// declaration that uses nothing but the runtime. Nothing else is told about it, yet it starts,
// answers health checks, is routed by both edges (REST and Connect) and gets its stream on NATS;
// when the test ends it is gone (its manifest, stream and database removed).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@junction/gen/health/v1/health_pb";
import { startEdge } from "@junction/edge";
import { createLogger, EventNamespace, startService, type ServiceServer } from "@junction/platform";
import { loadJunction } from "@junction/tools/junction";
import { parse, stringify } from "yaml";
import { freePort } from "../packages/platform/test/support/ports.js";
import { repositoryRoot } from "../packages/platform/test/support/tools.js";
import { toyService } from "./fixtures/toy/service.js";
import { envoyDeploymentFor, startTestEnvoy, type TestEnvoy } from "./support/envoy.js";
import { connectTestNats } from "./support/events.js";
import { eventually, TestPlatform } from "./support/platform.js";

let dir: string;
let platform: TestPlatform;
let edge: ServiceServer;
let envoy: TestEnvoy;
let toyUrl: string;

/** Junction's contracts and the toy's, as one descriptor set built by buf. */
function buildContracts(into: string): string {
  cpSync(join(repositoryRoot, "proto"), join(into, "proto"), { recursive: true });
  for (const file of ["api/annotations.proto", "api/http.proto", "rpc/status.proto", "rpc/error_details.proto"]) {
    cpSync(join(repositoryRoot, "node_modules/google-proto-files/google", file), join(into, "deps/google", file));
  }
  cpSync(join(repositoryRoot, "test/fixtures/toy/proto"), join(into, "toy"), { recursive: true });
  writeFileSync(join(into, "buf.yaml"), "version: v2\nmodules:\n  - path: proto\n  - path: deps\n  - path: toy\n");
  const out = join(into, "contracts.binpb");
  execFileSync(join(repositoryRoot, "node_modules/.bin/buf"), ["build", "--as-file-descriptor-set", "--exclude-source-info", "-o", out], { cwd: into, stdio: "pipe" });
  return out;
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "junction-toy-"));
  const contracts = buildContracts(dir);
  // The repository's manifest, plus the toy: the only place it is declared.
  const manifest = parse(readFileSync(join(repositoryRoot, "manifest.yaml"), "utf8")) as { contracts: string; services: Record<string, unknown> };
  manifest.contracts = contracts;
  const toyPort = await freePort();
  manifest.services.toy = { port: toyPort, main: join(repositoryRoot, "test/fixtures/toy/main.ts"), public: ["toy.v1.EchoService"], database: "junction_toy", publishes: true };
  const manifestFile = join(dir, "manifest.yaml");
  writeFileSync(manifestFile, stringify(manifest));
  toyUrl = `http://127.0.0.1:${toyPort}`;
  platform = await TestPlatform.create(undefined, { JUNCTION_MANIFEST_FILE: manifestFile, JUNCTION_TOY_PORT: String(toyPort), JUNCTION_TOY_URL: toyUrl });
  await platform.start("toy", (options) => startService(toyService, options), { JUNCTION_TOY_DATABASE_URL: platform.env.JUNCTION_AUTH_DATABASE_URL!.replace(/_auth$/, "_toy") });
  edge = await startEdge({ port: 0, env: platform.env, logger: createLogger("edge", "error") });
  const system = loadJunction({ JUNCTION_MANIFEST_FILE: manifestFile });
  const deployment = await envoyDeploymentFor(platform, { descriptorPath: contracts });
  envoy = await startTestEnvoy({ ...deployment, endpoints: { ...deployment.endpoints, toy: [{ host: "127.0.0.1", port: toyPort }] } }, system.policy, system);
});
test.after.always(async () => {
  await envoy?.close();
  await edge?.close();
  await platform?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the toy service starts from its manifest entry and answers health checks", async (t) => {
  const health = createClient(Health, createGrpcTransport({ baseUrl: toyUrl }));
  t.is((await health.check({ service: "toy.v1.EchoService" })).status, HealthCheckResponse_ServingStatus.SERVING);
  t.is((await health.check({ service: "" })).status, HealthCheckResponse_ServingStatus.SERVING);
});

for (const via of ["TypeScript edge", "Envoy"] as const) {
  test(`${via} routes the toy's REST binding and its Connect RPC`, async (t) => {
    const base = via === "Envoy" ? envoy.url : edge.url;
    const rest = await fetch(`${base}/v1/toy/echo`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: `hello via ${via}` }) });
    t.is(rest.status, 200, await rest.clone().text());
    t.deepEqual(await rest.json(), { text: `hello via ${via}` });
    const connect = await fetch(`${base}/toy.v1.EchoService/Echo`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "connect" }) });
    t.deepEqual(await connect.json(), { text: "connect" });
  });
}

test("the toy's stream is provisioned on NATS and carries its events", async (t) => {
  await fetch(`${edge.url}/v1/toy/echo`, { method: "POST", body: JSON.stringify({ text: "to the stream" }) });
  const nc = await connectTestNats(platform.env);
  t.teardown(() => nc.close());
  const stream = new EventNamespace(platform.id).stream("toy");
  const info = await eventually(async () => {
    const state = (await (await nc.jetstreamManager()).streams.info(stream)).state;
    return state.messages > 0 ? state : undefined;
  }, "the toy's event in its stream");
  t.true(info.messages >= 1);
});
