// The real Envoy in front of a TestPlatform's services: a config rendered by the same renderer as
// the committed files (only addresses, ports and, when a test asks, rate-limit numbers differ),
// written to a temporary directory, run on free ports with its own base id, ready when its admin
// interface says so, stopped and removed at teardown. Its access log (one JSON line per request)
// is kept for tests that count attempts.
//
//   const envoy = await startTestEnvoy(await envoyDeploymentFor(platform));
//   await platform.start("auth", startAuth, callsThrough(envoy.deployment));
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import readline from "node:readline";
import { allowedOrigins, type CommunicationPolicy, edgeRateLimitsFromEnv } from "@junction/platform";
import type { Junction } from "@junction/tools/junction";
import { junction, serviceNames } from "./junction.js";
import { renderEnvoyYaml } from "@junction/tools/envoy/envoy-config";
import { callsThroughEnvoy, DESCRIPTOR_SET_PATH, type EnvoyDeployment, type UpstreamEndpoint } from "@junction/tools/envoy/envoy-deployment";
import { startEnvoyProcess, stopEnvoyProcess, successesByPort, untilUpstreamsHealthy, waitUntilEnvoyLive } from "@junction/tools/local-run/envoy-process";
import { freePort } from "../../packages/platform/test/support/ports.js";
import { repositoryRoot, tool } from "../../packages/platform/test/support/tools.js";
import { TEST_EDGE_KEY, type TestPlatform } from "./platform.js";

/** One line of Envoy's access log (the fields listeners.ts renders). */
export interface AccessLogEntry {
  readonly listener: string;
  readonly path: string;
  readonly route: string;
  readonly status: number;
  readonly grpc_status: string | null;
  readonly flags: string;
  readonly details: string;
  readonly upstream: string | null;
  readonly attempts: number | null;
  readonly request_id: string | null;
  readonly duration_ms: number;
  readonly [field: string]: unknown;
}

/** A running Envoy of a test. */
export interface TestEnvoy {
  readonly deployment: EnvoyDeployment;
  /** The public listener, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  /** The internal listener. */
  readonly internalUrl: string;
  readonly adminUrl: string;
  /** Access-log entries so far, oldest first. */
  readonly accessLog: readonly AccessLogEntry[];
  /** Resolves once every cluster in `upstreams` has `count` healthy hosts (all of them by default). */
  untilHealthy(upstreams?: readonly string[], count?: number): Promise<void>;
  /** Requests each host of `upstream`'s cluster has answered successfully so far, by port. */
  successesByPort(upstream: string): Promise<Map<number, number>>;
  /** Envoy's own log lines so far (warnings and errors), for failure messages. */
  log(): string;
  close(): Promise<void>;
}

/** The environment of a test's service whose calls go through `deployment` (the repository's manifest names the token issuer). */
export function callsThrough(deployment: EnvoyDeployment): Record<string, string> {
  return callsThroughEnvoy(deployment, junction.manifest.identity);
}

/**
 * A deployment on loopback for `platform`'s service ports, with fresh Envoy ports and the rate
 * limits of the platform's environment (the ones its TypeScript edge enforces, as npm start gives
 * Envoy); `overrides` replaces any part.
 */
export async function envoyDeploymentFor(platform: TestPlatform, overrides: Partial<EnvoyDeployment> = {}): Promise<EnvoyDeployment> {
  const endpoint = (name: string): UpstreamEndpoint => ({ host: "127.0.0.1", port: Number(new URL(platform.url(name as never)).port) });
  return {
    name: "test",
    bindHost: "127.0.0.1",
    publicPort: await freePort(),
    internalPort: await freePort(),
    admin: { host: "127.0.0.1", port: await freePort() },
    descriptorPath: DESCRIPTOR_SET_PATH,
    endpoints: Object.fromEntries(serviceNames.map((name) => [name, [endpoint(name)]])),
    rateLimits: edgeRateLimitsFromEnv(platform.env),
    corsOrigins: allowedOrigins(junction.manifest.edge.corsOrigins, platform.env),
    ...overrides,
  };
}

/** How a test Envoy's access log is read. */
export interface AccessLogReading {
  /** "keep" parses every line into `accessLog`; "discard" drains them unread (a benchmark, whose measuring process must not parse thousands of lines a second on the cores it measures). */
  readonly accessLog?: "keep" | "discard";
}

/**
 * Renders the config for `deployment` (from the repository's manifest and policy.yaml, or `policy`
 * when a test changes it, or another `system` altogether), starts Envoy on it and waits until it
 * is live. Throws the setup hint when Envoy is not installed.
 */
export async function startTestEnvoy(deployment: EnvoyDeployment, policy: CommunicationPolicy = junction.policy, system: Junction = junction, reading: AccessLogReading = {}): Promise<TestEnvoy> {
  const binary = tool("envoy");
  const dir = mkdtempSync(join(tmpdir(), "junction-envoy-"));
  const configPath = join(dir, "envoy.yaml");
  writeFileSync(configPath, renderEnvoyYaml({ ...system, policy, deployment }));
  const envoy = startEnvoyProcess({ binary, configPath, cwd: repositoryRoot, edgeKey: TEST_EDGE_KEY });
  const accessLog: AccessLogEntry[] = [];
  const ownLog: string[] = [];
  if (reading.accessLog === "discard") envoy.child.stdout!.resume();
  else {
    readline.createInterface({ input: envoy.child.stdout! }).on("line", (line) => {
      try {
        accessLog.push(JSON.parse(line) as AccessLogEntry);
      } catch {
        ownLog.push(line);
      }
    });
  }
  readline.createInterface({ input: envoy.child.stderr! }).on("line", (line) => ownLog.push(line));
  const adminUrl = `http://${deployment.admin.host}:${deployment.admin.port}`;
  const close = async () => {
    await stopEnvoyProcess(envoy);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilEnvoyLive(adminUrl, envoy.exited);
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}\n${ownLog.slice(-30).join("\n")}`);
  }
  return {
    deployment,
    url: `http://${deployment.bindHost}:${deployment.publicPort}`,
    internalUrl: `http://${deployment.bindHost}:${deployment.internalPort}`,
    adminUrl,
    accessLog,
    untilHealthy: (upstreams = Object.keys(deployment.endpoints), count?: number) =>
      untilUpstreamsHealthy(adminUrl, Object.fromEntries(upstreams.map((name) => [name, count ?? deployment.endpoints[name]!.length]))),
    successesByPort: (upstream) => successesByPort(adminUrl, upstream),
    log: () => ownLog.join("\n"),
    close,
  };
}
