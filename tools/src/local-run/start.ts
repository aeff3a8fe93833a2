// `npm start`: every service of manifest.yaml on localhost behind an edge on the manifest's port,
// against the local PostgreSQL, Redis and NATS: the real Envoy when it is installed (services then
// call each other through its internal listener, with their own retries off), the TypeScript edge
// otherwise; JUNCTION_EDGE=envoy|typescript forces one. A process that crashes is restarted with a
// growing pause (crash-restarts.ts). Databases, migrations and streams are set up by the services
// themselves. Prints the URLs once everything is ready; Ctrl-C stops everything cleanly.
import readline from "node:readline";
import { edgeKeyFromEnv, envPort, loadConfig, serviceSecretFromEnv, servicePort } from "@junction/platform";
import { callsThroughEnvoy } from "../envoy/envoy-deployment.js";
import { loadJunction, repositoryRoot as root } from "../junction.js";
import { keepRunning, type Supervised } from "./crash-restarts.js";
import { missingDependencies, portsInUse } from "./dependencies.js";
import { chooseEdge } from "./edge-choice.js";
import { formatAccessLogLine, startEnvoyProcess, untilUpstreamsHealthy, waitUntilEnvoyLive } from "./envoy-process.js";
import { localEnvoyConfig, type LocalEnvoyConfig } from "./local-envoy-config.js";
import { startProcess, waitUntilReady, type PlatformProcess } from "./service-process.js";

// A local run is development mode (the public service secret and sealing key are allowed) unless told otherwise.
const baseEnv: NodeJS.ProcessEnv = {
  ...process.env,
  JUNCTION_MAIL_DIR: process.env.JUNCTION_MAIL_DIR ?? `${root}var/mail`,
  JUNCTION_DEV_MODE: process.env.JUNCTION_DEV_MODE ?? "true",
};
const { manifest } = loadJunction(baseEnv);

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

const edgePort = loadConfig({ port: envPort("JUNCTION_EDGE_PORT", manifest.edge.port) }, baseEnv).port;
const services = manifest.services.map((s) => ({ name: s.name, main: s.main, port: servicePort(s, baseEnv) }));
const processes = edge.kind === "envoy" ? services : [...services, { name: "edge", main: manifest.edge.main, port: edgePort }];
const taken = await portsInUse([
  ...services.map(({ name, port }) => ({ owner: name, port, variable: `JUNCTION_${name.toUpperCase()}_PORT` })),
  { owner: edge.kind === "envoy" ? "Envoy" : "the edge", port: edgePort, variable: "JUNCTION_EDGE_PORT" },
]);
if (taken.length > 0) {
  console.error(`Junction cannot start:\n  ${taken.join("\n  ")}`);
  process.exit(1);
}
const width = Math.max(...processes.map((p) => p.name.length), "envoy".length);
const running: Supervised[] = [];
let envoyConfig: LocalEnvoyConfig | undefined;
let stopping = false;
const say = (line: string) => console.error(`\n${line}`);
// Readable lines for a person at a terminal; JSON lines, as the processes write them, for anything else (or with --json).
const pretty = Boolean(process.stdout.isTTY) && !process.argv.includes("--json");

async function stopAll(exitCode: number): Promise<never> {
  stopping = true;
  const forced = setTimeout(() => running.forEach((p) => p.kill()), 15_000);
  // Services first, then the edge and Envoy, so nothing in flight loses its way out.
  await Promise.all(running.filter((p) => p.name !== "envoy").map((p) => p.stop()));
  await Promise.all(running.filter((p) => p.name === "envoy").map((p) => p.stop()));
  clearTimeout(forced);
  envoyConfig?.remove();
  process.exit(exitCode);
}
process.once("SIGINT", () => void stopAll(0));
process.once("SIGTERM", () => void stopAll(0));
// The terminal closed.
process.once("SIGHUP", () => void stopAll(0));
// Whatever ran npm start is gone (killed, or its terminal with it): nobody can stop this run any
// more, so it stops itself rather than leave every port taken. The children are tied to this
// process the same way (tied-spawn.ts).
const launcher = process.ppid;
setInterval(() => {
  if (process.ppid !== launcher && !stopping) {
    say("npm start lost the process that started it; stopping everything");
    void stopAll(1);
  }
}, 1000).unref();

async function ready(name: string, until: Promise<void>): Promise<void> {
  try {
    await until;
  } catch (error) {
    if (stopping) return;
    say(`${name} did not become ready: ${(error as Error).message}`);
    await stopAll(1);
  }
}

let env: NodeJS.ProcessEnv = baseEnv;
if (edge.kind === "envoy") {
  // Envoy first: the services' calls to each other go through its internal listener.
  envoyConfig = localEnvoyConfig(root, baseEnv);
  const { deployment, path } = envoyConfig;
  if (!envoyConfig.committed) console.log(`Envoy config rendered for this environment's ports and limits: ${path}`);
  const prefix = `${"envoy".padEnd(width)} |`;
  const startEnvoy = (): PlatformProcess => {
    const envoy = startEnvoyProcess({ binary: edge.binary, configPath: path, cwd: root, edgeKey: edgeKeyFromEnv(baseEnv, serviceSecretFromEnv(baseEnv, { warn: () => {} })) });
    readline.createInterface({ input: envoy.child.stdout! }).on("line", (line) => process.stdout.write(`${prefix} ${pretty ? formatAccessLogLine(line) : line}\n`));
    readline.createInterface({ input: envoy.child.stderr! }).on("line", (line) => process.stdout.write(`${prefix} ${line}\n`));
    return { name: "envoy", ...envoy };
  };
  const envoy = keepRunning("envoy", startEnvoy, say, undefined, () => stopping);
  running.push(envoy);
  await ready("envoy", waitUntilEnvoyLive(`http://${deployment.admin.host}:${deployment.admin.port}`, envoy.current().exited));
  env = { ...baseEnv, ...callsThroughEnvoy(deployment, manifest.identity) };
  // A key set URL the user gave wins over the issuer's own address.
  if (baseEnv.JUNCTION_JWKS_URL) env.JUNCTION_JWKS_URL = baseEnv.JUNCTION_JWKS_URL;
}

for (const { name, main, port } of processes) {
  // A restarted service says when it serves again, so the log tells how long it was gone.
  const readyAgain = (restarted: { exited: Promise<unknown> }) =>
    void waitUntilReady(port, restarted.exited).then(
      () => say(`${name} is ready again after its restart`),
      () => {}, // it exited again: keepRunning logs that
    );
  const supervised = keepRunning(name, () => startProcess(root, name, main, env, width, pretty), say, readyAgain, () => stopping);
  running.push(supervised);
  await ready(name, waitUntilReady(port, supervised.current().exited));
}

const line = (label: string, value: string) => console.log(`  ${label.padEnd(38)} ${value}`);
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
  line(`${name} (gRPC, Connect; grpcurl)`, `localhost:${port}      metrics http://localhost:${port}/metrics`);
}
line("Events", "nats stream ls; nats sub 'auth.>'");
line("Mail outbox", env.JUNCTION_MAIL_DIR!);
console.log("\nCtrl-C stops everything.\n");
