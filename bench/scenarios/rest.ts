// REST+JSON through each edge next to the same RPC called directly over gRPC: GET
// /.well-known/jwks.json (auth GetJwks, transcoded) under wrk through the real Envoy and through
// the TypeScript edge, against h2load calling GetJwks on the auth service itself. Rate limits
// stay on with limits no benchmark reaches, so their cost is counted.
import { randomBytes } from "node:crypto";
import { figure, type Comparison } from "../report.js";
import { BenchDeployment } from "../support/deployment.js";
import { toolPath, wrkGet } from "../support/load-generators.js";
import { inTurns, type BenchSettings } from "../support/settings.js";
import { envoyDeploymentFor, startTestEnvoy, type TestEnvoy } from "../../test/support/envoy.js";
import { freePort } from "../../packages/platform/test/support/ports.js";
import { assertAnswersGetJwks, h2loadRound } from "./grpc-server.js";

const JWKS = "/.well-known/jwks.json";
const UNREACHED_LIMIT = 100_000_000;
/** Edge settings with rate limits no benchmark reaches: their cost is counted, never their refusals. */
export const UNREACHED_RATE_LIMITS = { JUNCTION_EDGE_RATE_LIMIT_PER_CLIENT: String(UNREACHED_LIMIT), JUNCTION_EDGE_RATE_LIMIT_PER_USER: String(UNREACHED_LIMIT) };

/** The real Envoy in front of `platform`, with the limits of its environment (UNREACHED_RATE_LIMITS), once it routes to auth; its access log is written and drained, never parsed here. */
export async function startBenchEnvoy(platform: Parameters<typeof envoyDeploymentFor>[0]): Promise<TestEnvoy> {
  const envoy = await startTestEnvoy(await envoyDeploymentFor(platform), undefined, undefined, { accessLog: "discard" });
  await envoy.untilHealthy(["auth"]);
  return envoy;
}

async function wrkRound(url: string, settings: BenchSettings) {
  const sample = await wrkGet(url, { connections: 64, seconds: settings.seconds, warmupSeconds: settings.warmupSeconds });
  if (sample.failed > 0) throw new Error(`wrk: ${sample.failed} of ${sample.requests} requests to ${url} failed`);
  return { value: sample.perSecond, p50Ms: sample.p50Ms, p99Ms: sample.p99Ms };
}

async function assertJwksJson(url: string): Promise<void> {
  const res = await fetch(url);
  const body = (await res.json()) as { keys?: unknown[] };
  if (res.status !== 200 || !body.keys?.length) throw new Error(`${url} answered ${res.status} ${JSON.stringify(body)}`);
}

/** The REST comparisons. */
export async function restThroughEdges(settings: BenchSettings): Promise<Comparison[]> {
  const deployment = await BenchDeployment.create(settings.mode, {
    ...UNREACHED_RATE_LIMITS,
    JUNCTION_REDIS_NAMESPACE: `bench-${randomBytes(4).toString("hex")}`,
  });
  let envoy: TestEnvoy | undefined;
  try {
    const auth = await deployment.start("auth");
    const edgePort = String(await freePort());
    await deployment.start("edge", { JUNCTION_EDGE_PORT: edgePort });
    const edgeUrl = `http://127.0.0.1:${edgePort}`;
    await assertAnswersGetJwks(deployment.url("auth"));
    await assertJwksJson(`${edgeUrl}${JWKS}`);
    const contenders: Record<string, () => Promise<{ value: number; p50Ms?: number; p99Ms?: number }>> = {
      "direct gRPC": () => h2loadRound(deployment.url("auth"), auth, settings),
      "TypeScript edge": () => wrkRound(`${edgeUrl}${JWKS}`, settings),
    };
    if (toolPath("envoy")) {
      envoy = await startBenchEnvoy(deployment.platform);
      await assertJwksJson(`${envoy.url}${JWKS}`);
      contenders.Envoy = () => wrkRound(`${envoy!.url}${JWKS}`, settings);
    }
    const samples = await inTurns(settings.rounds, contenders);
    const direct = figure("GetJwks directly on auth over gRPC (h2load 4 × 16)", "req/s", samples["direct gRPC"]!);
    const comparisons: Comparison[] = [];
    if (samples.Envoy) {
      comparisons.push({
        goal: "REST through Envoy: GET /.well-known/jwks.json (wrk, 64 connections)",
        junction: figure("Envoy (transcoder, jwt_authn, rate limits, one worker) → auth", "req/s", samples.Envoy),
        peer: direct,
        target: { kind: "ratio", value: 0.8 },
      });
    }
    comparisons.push({
      goal: "REST through the TypeScript edge: GET /.well-known/jwks.json (wrk, 64 connections)",
      junction: figure("TypeScript edge (compiled) → auth", "req/s", samples["TypeScript edge"]!),
      peer: direct,
      target: { kind: "ratio", value: 0.5 },
      notes: envoy ? undefined : "Envoy is not installed (npm run setup): its comparison was skipped.",
    });
    return comparisons;
  } finally {
    await envoy?.close();
    await deployment.close();
  }
}
