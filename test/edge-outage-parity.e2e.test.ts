// An upstream that is down, through both edges: the TypeScript edge and the real Envoy answer
// the same 503 UNAVAILABLE (UPSTREAM_UNAVAILABLE, RetryInfo) with Retry-After, over REST,
// Connect, gRPC and gRPC-Web. The corpus of edge-parity.e2e.test.ts runs against a healthy
// platform; this is the outage half. One difference is by design (docs/edge.md): the TypeScript
// edge names the upstream ("orgs is unavailable", ErrorInfo metadata `upstream`), Envoy's own
// reply does not.
import test from "ava";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { startEdge } from "@junction/edge";
import { createLogger, type ServiceServer } from "@junction/platform";
import { envoyDeploymentFor, startTestEnvoy, type TestEnvoy } from "./support/envoy.js";
import { differingPaths, normalize, publicMethod, restOutcome, rpcOutcome, type Outcome, type Protocol } from "./support/parity/outcomes.js";
import { TestPlatform } from "./support/platform.js";
import { startAuth, startOrgs } from "./support/services.js";

let platform: TestPlatform;
let edge: ServiceServer;
let envoy: TestEnvoy;
let token: string;

test.before(async () => {
  platform = await TestPlatform.create();
  await platform.start("auth", startAuth);
  await platform.start("orgs", startOrgs);
  edge = await startEdge({ port: 0, env: platform.env, logger: createLogger("edge", "error") });
  envoy = await startTestEnvoy(await envoyDeploymentFor(platform));
  await envoy.untilHealthy(["auth", "orgs"]);
  const auth = platform.client(AuthService);
  const email = `outage-${platform.id}@example.com`;
  await auth.register({ email, password: "correct-horse-9", displayName: "Outage" });
  token = (await auth.login({ email, password: "correct-horse-9" })).accessToken;
  await platform.stop("orgs");
});
test.after.always(async () => {
  await edge?.close();
  await envoy?.close();
  await platform?.close();
});

const createOrganization = publicMethod("junction.orgs.v1.OrgsService", "CreateOrganization");

async function outcome(protocol: Protocol, baseUrl: string): Promise<Outcome> {
  if (protocol === "rest") return restOutcome(baseUrl, { method: "POST", path: "/v1/orgs", headers: { authorization: `Bearer ${token}` }, body: { name: "Down Org" } });
  return rpcOutcome(protocol, baseUrl, { method: createOrganization, input: { name: "Down Org" }, headers: { authorization: `Bearer ${token}` } });
}

/** The TypeScript edge's answer with the upstream's name set aside, as Envoy's reply has none. */
function withoutUpstreamName(outcome: Record<string, string>): Record<string, string> {
  const named = { ...outcome };
  if (named["body.message"]) named["body.message"] = named["body.message"].replace("orgs is unavailable", "the service is unavailable");
  if (named["body.details"]) named["body.details"] = named["body.details"].replace(/,\\?"metadata\\?":\{\\?"upstream\\?":\\?"orgs\\?"\}/, "");
  return named;
}

for (const protocol of ["rest", "connect", "grpc", "grpc-web"] as const) {
  test(`${protocol}: both edges answer a stopped upstream as UNAVAILABLE with Retry-After, alike`, async (t) => {
    const viaTypescript = normalize(await outcome(protocol, edge.url), new Map(), edge.url);
    const viaEnvoy = normalize(await outcome(protocol, envoy.url), new Map(), envoy.url);
    t.regex(viaTypescript["body.message"] ?? "", /orgs is unavailable/);
    t.is(viaTypescript.status, protocol === "rest" ? "503" : "Unavailable", JSON.stringify(viaTypescript));
    if (protocol === "rest") t.is(viaTypescript["headers.retry-after"], "<1..60 s>");
    t.regex(viaTypescript["body.details"] ?? "", /UPSTREAM_UNAVAILABLE/);
    t.deepEqual(differingPaths(withoutUpstreamName(viaTypescript), viaEnvoy), [], `typescript ${JSON.stringify(viaTypescript)}\nenvoy      ${JSON.stringify(viaEnvoy)}`);
  });
}
