// One corpus of requests (REST, Connect, gRPC and gRPC-Web; valid and invalid; signed in and not)
// sent through the TypeScript edge and through the real Envoy, in front of the same running
// services, each edge in a world of its own. Status codes, the headers that matter and the bodies
// must agree once ids, tokens and times are set aside; every remaining difference is the one
// docs/edge.md pins, no more and no fewer.
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startEdge } from "@junction/edge";
import { BODY_TOO_LARGE_REASON, BODY_TOO_LARGE_STATUS, createLogger, MAX_REQUEST_BODY_BYTES, OPENAPI_DOCUMENT, type ServiceServer } from "@junction/platform";
import { repositoryRoot } from "../packages/platform/test/support/tools.js";
import { envoyDeploymentFor, startTestEnvoy, type TestEnvoy } from "./support/envoy.js";
import { differingPaths, normalize, restOutcome, rpcOutcome, type Outcome } from "./support/parity/outcomes.js";
import { pinnedDifferences } from "./support/parity/pinned-differences.js";
import { restCases } from "./support/parity/rest-cases.js";
import { rpcCases } from "./support/parity/rpc-cases.js";
import { createWorld, type World } from "./support/parity/world.js";
import { TestPlatform } from "./support/platform.js";
import { startAudit, startAuth, startNotifications, startOrgs, startUsers } from "./support/services.js";

let platform: TestPlatform;
let edge: ServiceServer;
let envoy: TestEnvoy;

test.before(async () => {
  // Failed logins in the corpus must not lock anyone out halfway through.
  platform = await TestPlatform.create(undefined, {
    JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_IP: "1000",
    JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: "100",
    // Browser cases come from this origin; every other origin is refused CORS by both edges.
    JUNCTION_EDGE_CORS_ORIGINS: "https://app.example",
  });
  for (const [name, start] of [["auth", startAuth], ["users", startUsers], ["orgs", startOrgs], ["notifications", startNotifications], ["audit", startAudit]] as const) {
    await platform.start(name, start);
  }
  edge = await startEdge({ port: 0, env: platform.env, logger: createLogger("edge", "error") });
  envoy = await startTestEnvoy(await envoyDeploymentFor(platform));
  await envoy.untilHealthy();
});
test.after.always(async () => {
  await edge?.close();
  await envoy?.close();
  await platform?.close();
});

type Case = { name: string; send(baseUrl: string, world: World): Promise<Outcome> };
const corpus: Case[] = [
  ...restCases.map((c) => ({ name: c.name, send: async (baseUrl: string, world: World) => restOutcome(baseUrl, await c.request(world)) })),
  ...rpcCases.map((c) => ({ name: c.name, send: async (baseUrl: string, world: World) => rpcOutcome(c.protocol, baseUrl, await c.request(world)) })),
];

test("the corpus gets the same answers through Envoy as through the TypeScript edge, but for the pinned differences", async (t) => {
  t.timeout(240_000);
  t.true(corpus.length >= 200, `the corpus has ${corpus.length} requests`);
  t.is(new Set(corpus.map((c) => c.name)).size, corpus.length, "case names are unique");
  const [typescriptWorld, envoyWorld] = [await createWorld(platform, "ts"), await createWorld(platform, "envoy")];

  const measured = new Map<string, string[]>();
  const shown: string[] = [];
  for (const { name, send } of corpus) {
    const viaTypescript = normalize(await send(edge.url, typescriptWorld), typescriptWorld.aliases, edge.url);
    const viaEnvoy = normalize(await send(envoy.url, envoyWorld), envoyWorld.aliases, envoy.url);
    const paths = differingPaths(viaTypescript, viaEnvoy);
    if (paths.length === 0) continue;
    measured.set(name, paths);
    const value = (text: string | undefined) => (text === undefined ? "(absent)" : text.length > 300 ? `${text.slice(0, 300)}…` : text);
    shown.push(`${name}\n${paths.map((path) => `    ${path}:\n      typescript ${value(viaTypescript[path])}\n      envoy      ${value(viaEnvoy[path])}`).join("\n")}`);
  }
  const pinned = pinnedDifferences(join(repositoryRoot, "docs/edge.md"));
  for (const name of pinned.keys()) t.true(corpus.some((c) => c.name === name), `docs/edge.md pins ${name}, which the corpus does not have`);
  t.deepEqual(
    Object.fromEntries([...measured].sort()),
    Object.fromEntries([...pinned].sort()),
    `measured differences (docs/edge.md "Pinned differences" must list exactly these):\n${shown.join("\n")}`,
  );
});

test("a REST body over the limit is 413 in the platform's error shape from both edges, with a Content-Length or chunked", async (t) => {
  const body = JSON.stringify({ email: "big@example.com", password: "correct-horse-9", display_name: "x".repeat(MAX_REQUEST_BODY_BYTES) });
  const expected = { code: 3, message: `request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes`, details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", domain: "junction.dev", reason: BODY_TOO_LARGE_REASON }] };
  for (const [name, url] of [["typescript", edge.url], ["envoy", envoy.url]] as const) {
    for (const chunked of [false, true]) {
      const outcome = await restOutcome(url, { method: "POST", path: "/v1/auth/register", body, chunked });
      t.is(outcome.status, BODY_TOO_LARGE_STATUS, `${name}, ${chunked ? "chunked" : "Content-Length"}`);
      t.deepEqual(outcome.body, expected, `${name}, ${chunked ? "chunked" : "Content-Length"}`);
    }
  }
});

test("both edges serve the committed OpenAPI document, byte for byte, to anyone", async (t) => {
  const committed = readFileSync(join(repositoryRoot, OPENAPI_DOCUMENT.file));
  for (const [name, url] of [["typescript", edge.url], ["envoy", envoy.url]] as const) {
    const res = await fetch(`${url}${OPENAPI_DOCUMENT.urlPath}`);
    t.is(res.status, 200, name);
    t.is(res.headers.get("content-type"), "application/json", name);
    t.true(Buffer.from(await res.arrayBuffer()).equals(committed), `${name} serves ${OPENAPI_DOCUMENT.file} as it is`);
  }
});
