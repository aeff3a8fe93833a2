// Rate limits through both edges, with the same small numbers: per user (from the verified token)
// and per client address, each a minute's allowance; the request over a limit is 429 with
// Retry-After and the same body from both, and RESOURCE_EXHAUSTED to gRPC, gRPC-Web and Connect.
import test from "ava";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus } from "@junction/gen/health/v1/health_pb";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { startEdge } from "@junction/edge";
import { createLogger } from "@junction/platform";
import { envoyDeploymentFor, startTestEnvoy } from "./support/envoy.js";
import { normalize, publicMethod, restOutcome, rpcOutcome, transportFor, type Outcome } from "./support/parity/outcomes.js";
import { TestPlatform } from "./support/platform.js";
import { PASSWORD, uniqueEmail } from "./support/accounts.js";
import { startAuth, startUsers } from "./support/services.js";

const PER_CLIENT = 12;
const PER_USER = 4;

test("over the per-user and then the per-client limit, both edges answer 429 (RESOURCE_EXHAUSTED) alike", async (t) => {
  const platform = await TestPlatform.create(t, {
    JUNCTION_EDGE_RATE_LIMIT_PER_CLIENT: String(PER_CLIENT),
    JUNCTION_EDGE_RATE_LIMIT_PER_USER: String(PER_USER),
  });
  await platform.start("auth", startAuth);
  await platform.start("users", startUsers);
  const edge = await startEdge({ port: 0, env: platform.env, logger: createLogger("edge", "error") });
  t.teardown(() => edge.close());
  const envoy = await startTestEnvoy(await envoyDeploymentFor(platform));
  t.teardown(() => envoy.close());
  await envoy.untilHealthy(["auth", "users"]);

  const auth = platform.client(AuthService);
  const email = uniqueEmail("limited");
  await auth.register({ email, password: PASSWORD, displayName: "Limited" });
  // The TypeScript edge counts in wall-clock minutes: start where this one has time left.
  const secondsLeft = 60 - new Date().getSeconds();
  if (secondsLeft < 15) await new Promise((resolve) => setTimeout(resolve, secondsLeft * 1000 + 100));

  const outcomes = async (baseUrl: string) => {
    const { accessToken } = await auth.login({ email, password: PASSWORD });
    const signedIn = { authorization: `Bearer ${accessToken}` };
    const sent: Outcome[] = [];
    for (let i = 0; i <= PER_USER; i++) sent.push(await restOutcome(baseUrl, { method: "GET", path: "/v1/me", headers: signedIn }));
    sent.push(await rpcOutcome("grpc", baseUrl, { method: publicMethod("junction.users.v1.UsersService", "GetMe"), input: {}, headers: signedIn }));
    // PER_USER + 2 requests so far, all counted for this client too.
    while (sent.length < PER_CLIENT) sent.push(await restOutcome(baseUrl, { method: "GET", path: "/.well-known/jwks.json" }));
    sent.push(await restOutcome(baseUrl, { method: "GET", path: "/.well-known/jwks.json" }));
    for (const protocol of ["grpc-web", "connect"] as const) sent.push(await rpcOutcome(protocol, baseUrl, { method: publicMethod("junction.auth.v1.AuthService", "GetJwks"), input: {} }));
    return sent.map((outcome) => normalize(outcome, new Map([[accessToken, "<token>"]]), baseUrl));
  };
  const viaTypescript = await outcomes(edge.url);
  const viaEnvoy = await outcomes(envoy.url);

  const statuses = viaEnvoy.map((outcome) => outcome.status);
  t.deepEqual(statuses, [...Array(PER_USER).fill("200"), "429", "ResourceExhausted", ...Array(PER_CLIENT - PER_USER - 2).fill("200"), "429", "ResourceExhausted", "ResourceExhausted"]);
  const perUser = viaEnvoy[PER_USER]!;
  t.like(perUser, { "headers.retry-after": "<1..60 s>", "headers.x-junction-rate-limit": "user", "body.code": "8", "body.message": '"rate limit per user exceeded"' });
  t.is(perUser["body.details"], JSON.stringify([{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", domain: "junction.dev", metadata: { limit: "user" }, reason: "RATE_LIMITED" }]));
  t.like(viaEnvoy[PER_CLIENT]!, { "headers.x-junction-rate-limit": "client", "body.message": '"rate limit per client exceeded"' });
  t.like(viaEnvoy.at(-1)!, { "body.message": '"rate limit per client exceeded"' });
  t.deepEqual(viaEnvoy, viaTypescript, "the same answers from both edges");
  // The OpenAPI document counts against no limit: both edges still serve it to this client.
  for (const url of [edge.url, envoy.url]) t.is((await fetch(`${url}/openapi.json`)).status, 200, `${url} serves /openapi.json past the limit`);
});

test("operational routes (probes, metrics, gRPC health) are never rate limited nor need a token, on either edge", async (t) => {
  const platform = await TestPlatform.create(t, { JUNCTION_EDGE_RATE_LIMIT_PER_CLIENT: String(PER_CLIENT), JUNCTION_EDGE_RATE_LIMIT_PER_USER: String(PER_USER) });
  await platform.start("auth", startAuth);
  const edge = await startEdge({ port: 0, env: platform.env, logger: createLogger("edge", "error") });
  t.teardown(() => edge.close());
  const envoy = await startTestEnvoy(await envoyDeploymentFor(platform));
  t.teardown(() => envoy.close());
  await envoy.untilHealthy(["auth"]);
  const secondsLeft = 60 - new Date().getSeconds();
  if (secondsLeft < 15) await new Promise((resolve) => setTimeout(resolve, secondsLeft * 1000 + 100));

  const probe = async (baseUrl: string) => {
    const statuses = new Set<string>();
    for (let i = 0; i < PER_CLIENT * 2; i++) {
      for (const path of ["/healthz", "/readyz", "/metrics"]) statuses.add(`${path} ${(await restOutcome(baseUrl, { method: "GET", path })).status}`);
      const health = createClient(Health, transportFor("grpc", baseUrl));
      const check = await health.check({ service: "" }).then((res) => HealthCheckResponse_ServingStatus[res.status], (error: unknown) => Code[ConnectError.from(error).code]);
      statuses.add(`grpc.health.v1 Check ${check}`);
    }
    // The probes spent none of this client's allowance.
    const after = await restOutcome(baseUrl, { method: "GET", path: "/.well-known/jwks.json" });
    return { statuses: [...statuses].sort(), after: after.status };
  };
  // The TypeScript edge serves them on its port; Envoy on its admin port, so on its public listener they are 404s.
  t.deepEqual(await probe(edge.url), { statuses: ["/healthz 200", "/metrics 200", "/readyz 200", "grpc.health.v1 Check SERVING"], after: 200 });
  t.deepEqual(await probe(envoy.url), { statuses: ["/healthz 404", "/metrics 404", "/readyz 404", "grpc.health.v1 Check Unimplemented"], after: 200 });
});
