// `npm start`: every Junction service on localhost behind an edge on :8080, against the local
// PostgreSQL, Redis and NATS: the real Envoy when it is installed (services then call each other
// through its internal listener, with their own retries off), the TypeScript edge otherwise.
// JUNCTION_EDGE=envoy|typescript forces one. Databases, migrations and streams are set up by the
// services themselves. Prints the URLs once everything is ready; Ctrl-C stops everything cleanly.
import readline from "node:readline";
import { callsThroughEnvoy } from "@junction/platform/envoy/envoy-deployment";
import { chooseEdge } from "./edge-choice.js";
import { formatAccessLogLine, startEnvoyProcess, untilUpstreamsHealthy, waitUntilEnvoyLive } from "./envoy-process.js";
import { localEnvoyConfig, type LocalEnvoyConfig } from "./local-envoy-config.js";
import { PLATFORM_PROCESSES, missingDependencies, startProcess, waitUntilReady, type PlatformProcess } from "./platform-processes.js";

const root = new URL("..", import.meta.url).pathname;
// A local run is development mode (the public service secret and sealing key are allowed) unless told otherwise.
const baseEnv: NodeJS.ProcessEnv = {
  ...process.env,
  JUNCTION_MAIL_DIR: process.env.JUNCTION_MAIL_DIR ?? `${root}var/mail`,
  JUNCTION_DEV_MODE: process.env.JUNCTION_DEV_MODE ?? "true",
};

const edge = chooseEdge(root, baseEnv);
if (edge.kind === "none") {
  console.error(`Junction cannot start: ${edge.why}`);
  process.exit(1);
}
const missing = await missingDependencies(baseEnv);
if (missing.length > 0) {
  console.error(`Junction cannot start:\n  ${missing.join("\n  ")}`);
  process.exit(1);
}
console.log(edge.kind === "envoy" ? `Edge: Envoy (${edge.why}).` : `Edge: the TypeScript edge (${edge.why}).`);

const services = PLATFORM_PROCESSES.filter((p) => p.name !== "edge");
const width = Math.max(...PLATFORM_PROCESSES.map((p) => p.name.length), "envoy".length);
// Each process's port, as it will read it: JUNCTION_<NAME>_PORT or the default.
const portOf = (name: string, fallback: number) => Number(baseEnv[`JUNCTION_${name.toUpperCase()}_PORT`] ?? fallback);
const running: PlatformProcess[] = [];
let envoyConfig: LocalEnvoyConfig | undefined;
let stopping = false;

async function stopAll(exitCode: number): Promise<never> {
  stopping = true;
  for (const p of running) p.child.kill("SIGTERM");
  const forced = setTimeout(() => running.forEach((p) => p.child.kill("SIGKILL")), 15_000);
  await Promise.all(running.map((p) => p.exited));
  clearTimeout(forced);
  envoyConfig?.remove();
  process.exit(exitCode);
}
process.once("SIGINT", () => void stopAll(0));
process.once("SIGTERM", () => void stopAll(0));

function watch(started: PlatformProcess): void {
  running.push(started);
  void started.exited.then((code) => {
    if (stopping) return;
    console.error(`\n${started.name} exited unexpectedly (code ${code}); stopping the platform`);
    void stopAll(1);
  });
}

async function ready(name: string, until: Promise<void>): Promise<void> {
  try {
    await until;
  } catch (error) {
    console.error(`\n${name} did not become ready: ${(error as Error).message}`);
    await stopAll(1);
  }
}

let env: NodeJS.ProcessEnv = baseEnv;
if (edge.kind === "envoy") {
  // Envoy first: the services' calls to each other go through its internal listener.
  envoyConfig = localEnvoyConfig(root, baseEnv);
  const { deployment } = envoyConfig;
  if (!envoyConfig.committed) console.log(`Envoy config rendered for this environment's ports and limits: ${envoyConfig.path}`);
  const envoy = startEnvoyProcess({ binary: edge.binary, configPath: envoyConfig.path, cwd: root });
  const prefix = `${"envoy".padEnd(width)} |`;
  readline.createInterface({ input: envoy.child.stdout! }).on("line", (line) => process.stdout.write(`${prefix} ${formatAccessLogLine(line)}\n`));
  readline.createInterface({ input: envoy.child.stderr! }).on("line", (line) => process.stdout.write(`${prefix} ${line}\n`));
  watch({ name: "envoy", ...envoy });
  await ready("envoy", waitUntilEnvoyLive(`http://${deployment.admin.host}:${deployment.admin.port}`, envoy.exited));
  env = { ...baseEnv, ...callsThroughEnvoy(deployment) };
}

for (const { name, port } of edge.kind === "envoy" ? services : PLATFORM_PROCESSES) {
  const started = startProcess(root, name, env, width);
  watch(started);
  await ready(name, waitUntilReady(portOf(name, port), started.exited));
}

const line = (label: string, value: string) => console.log(`  ${label.padEnd(38)} ${value}`);
const edgePort = portOf("edge", 8080);
if (envoyConfig) {
  const { deployment } = envoyConfig;
  const admin = `http://${deployment.admin.host}:${deployment.admin.port}`;
  await ready("envoy", untilUpstreamsHealthy(admin, Object.fromEntries(Object.entries(deployment.endpoints).map(([name, hosts]) => [name, hosts.length]))));
  console.log("\nJunction is up, behind Envoy.\n");
  line("Edge: Envoy (REST, Connect, gRPC, gRPC-Web)", `http://localhost:${edgePort}   e.g. curl localhost:${edgePort}/.well-known/jwks.json`);
  line("Envoy admin (server_info, clusters, stats)", `${admin}/server_info`);
  line("Envoy internal listener (services)", `http://${deployment.bindHost}:${deployment.internalPort}`);
} else {
  console.log("\nJunction is up, behind the TypeScript edge.\n");
  line("Edge: TypeScript (REST, Connect, gRPC, gRPC-Web)", `http://localhost:${edgePort}   e.g. curl localhost:${edgePort}/.well-known/jwks.json`);
  line("Edge health (upstreams, breakers)", `http://localhost:${edgePort}/healthz`);
}
for (const { name, port } of services) {
  line(`${name} (gRPC, Connect; grpcurl)`, `localhost:${portOf(name, port)}      metrics http://localhost:${portOf(name, port)}/metrics`);
}
line("Events", "nats stream ls; nats sub 'auth.>'");
line("Mail outbox", env.JUNCTION_MAIL_DIR!);
console.log("\nCtrl-C stops everything.\n");
