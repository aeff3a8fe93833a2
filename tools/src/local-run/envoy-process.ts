// Running the real Envoy on this machine, for `npm start` and the tests: where setup installed it,
// starting it on a rendered config, waiting until its admin interface says it is live and its
// upstreams healthy, reading its access log, and stopping it. Several can run at once (a dynamic
// base id each), on one worker thread.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { EDGE_KEY_ENV } from "@junction/platform";
import { waitUntilAnswers } from "./service-process.js";
import { spawnTied } from "./tied-spawn.js";

/** Where `npm run setup` installs Envoy, relative to the repository root; JUNCTION_ENVOY_BINARY overrides it. */
export const ENVOY_BINARY = "var/tools/bin/envoy";

/** What to do when Envoy is missing. */
export const ENVOY_SETUP_HINT = "npm run setup (installs Envoy into var/tools/bin; see README.md)";

/** The Envoy binary `env` points at (JUNCTION_ENVOY_BINARY, else the one setup installs under `root`), if it exists. */
export function installedEnvoy(root: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.JUNCTION_ENVOY_BINARY || join(root, ENVOY_BINARY);
  return existsSync(path) ? path : undefined;
}

/** A running Envoy. */
export interface EnvoyProcess {
  readonly child: ChildProcess;
  /** Settles with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
}

/** How to start Envoy. */
export interface EnvoyStart {
  readonly binary: string;
  readonly configPath: string;
  /** Envoy's working directory: relative paths in the config (the descriptor set) resolve from it. */
  readonly cwd: string;
  /** Envoy's own log level; access logs go to stdout whatever it is. */
  readonly logLevel?: string;
  /** The key Envoy adds to every request from outside, proving to the services it is the edge (JUNCTION_EDGE_KEY). */
  readonly edgeKey: string;
}

/** Starts Envoy on a rendered config; its stdout and stderr are left for the caller to read. */
export function startEnvoyProcess(options: EnvoyStart): EnvoyProcess {
  const args = ["-c", options.configPath, "--concurrency", "1", "--use-dynamic-base-id", "--log-level", options.logLevel ?? "warn"];
  // Envoy drains connections for 10 minutes by default on a hot restart; there is none here.
  args.push("--drain-time-s", "1", "--parent-shutdown-time-s", "2");
  // Access-log lines reach stdout within a quarter second instead of Envoy's default ten.
  args.push("--file-flush-interval-msec", "250");
  const child = spawnTied(options.binary, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, [EDGE_KEY_ENV]: options.edgeKey } });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, exited };
}

/** Resolves once `adminUrl`/ready answers 200 (Envoy is initialized and live); rejects if `exited` settles first or time runs out. */
export function waitUntilEnvoyLive(adminUrl: string, exited: Promise<unknown>, timeoutMs = 30_000): Promise<void> {
  return waitUntilAnswers(`${adminUrl}/ready`, exited, timeoutMs, 100);
}

/** Stops Envoy (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
export async function stopEnvoyProcess(envoy: EnvoyProcess, graceMs = 5_000): Promise<void> {
  if (envoy.child.exitCode !== null || envoy.child.signalCode !== null) return;
  envoy.child.kill("SIGTERM");
  const forced = setTimeout(() => envoy.child.kill("SIGKILL"), graceMs);
  await envoy.exited;
  clearTimeout(forced);
}

interface ClusterStatus {
  name: string;
  host_statuses?: Array<{
    address: { socket_address: { port_value: number } };
    health_status: Record<string, unknown>;
    stats?: Array<{ name: string; value?: string }>;
  }>;
}

async function clusterStatuses(adminUrl: string): Promise<ClusterStatus[]> {
  return ((await (await fetch(`${adminUrl}/clusters?format=json`)).json()) as { cluster_statuses: ClusterStatus[] }).cluster_statuses;
}

// A host takes traffic when it is neither failing active health checks nor ejected.
function healthyHosts(cluster: ClusterStatus | undefined): number {
  return (cluster?.host_statuses ?? []).filter(
    ({ health_status: status }) => status.eds_health_status === "HEALTHY" && !status.failed_active_health_check && !status.failed_outlier_check,
  ).length;
}

/** Resolves once each cluster named in `wanted` has that many healthy hosts; rejects naming the ones short after `timeoutMs`. */
export async function untilUpstreamsHealthy(adminUrl: string, wanted: Readonly<Record<string, number>>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const clusters = await clusterStatuses(adminUrl);
    const short = Object.entries(wanted).filter(([name, count]) => healthyHosts(clusters.find((c) => c.name === name)) < count);
    if (short.length === 0) return;
    if (Date.now() > deadline) throw new Error(`Envoy still lacks healthy hosts for ${short.map(([name]) => name).join(", ")} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Requests each host of `upstream`'s cluster has answered successfully so far, by port. */
export async function successesByPort(adminUrl: string, upstream: string): Promise<Map<number, number>> {
  const cluster = (await clusterStatuses(adminUrl)).find((c) => c.name === upstream);
  return new Map(
    (cluster?.host_statuses ?? []).map((host) => [host.address.socket_address.port_value, Number(host.stats?.find((stat) => stat.name === "rq_success")?.value ?? 0)]),
  );
}

/** One access-log line (JSON, as listeners.ts renders it) as a short readable line; other text passes through. */
export function formatAccessLogLine(line: string): string {
  if (!line.startsWith("{")) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const time = typeof entry.time === "string" ? entry.time.slice(11, 19) : "";
    const upstream = entry.upstream ? `  upstream=${String(entry.upstream)} attempts=${String(entry.attempts)}` : "";
    const grpc = entry.grpc_status ? ` ${String(entry.grpc_status)}` : "";
    return `${time} ${String(entry.listener)} ${String(entry.method)} ${String(entry.path)} ${String(entry.status)}${grpc} ${String(entry.duration_ms)} ms${upstream}  request_id=${String(entry.request_id)}`;
  } catch {
    return line;
  }
}
