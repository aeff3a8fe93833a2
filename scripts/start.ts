// `npm start`: every Junction service and the TypeScript edge on localhost, against the local
// PostgreSQL, Redis and NATS. Databases, migrations and streams are set up by the services
// themselves. Prints the URLs once everything is ready; Ctrl-C stops everything cleanly.
import { PLATFORM_PROCESSES, missingDependencies, startProcess, waitUntilReady, type PlatformProcess } from "./platform-processes.js";

const root = new URL("..", import.meta.url).pathname;
// A local run is development mode (the public service secret is allowed) unless told otherwise.
const env = { ...process.env, JUNCTION_MAIL_DIR: process.env.JUNCTION_MAIL_DIR ?? `${root}var/mail`, JUNCTION_DEV_MODE: process.env.JUNCTION_DEV_MODE ?? "true" };

const missing = await missingDependencies(env);
if (missing.length > 0) {
  console.error(`Junction cannot start:\n  ${missing.join("\n  ")}`);
  process.exit(1);
}

const width = Math.max(...PLATFORM_PROCESSES.map((p) => p.name.length));
// Each process's port, as it will read it: JUNCTION_<NAME>_PORT or the default.
const portOf = (name: string, fallback: number) => Number((env as NodeJS.ProcessEnv)[`JUNCTION_${name.toUpperCase()}_PORT`] ?? fallback);
const running: PlatformProcess[] = [];
let stopping = false;

async function stopAll(exitCode: number): Promise<never> {
  stopping = true;
  for (const p of running) p.child.kill("SIGTERM");
  const forced = setTimeout(() => running.forEach((p) => p.child.kill("SIGKILL")), 15_000);
  await Promise.all(running.map((p) => p.exited));
  clearTimeout(forced);
  process.exit(exitCode);
}
process.once("SIGINT", () => void stopAll(0));
process.once("SIGTERM", () => void stopAll(0));

for (const { name, port } of PLATFORM_PROCESSES) {
  const started = startProcess(root, name, env, width);
  running.push(started);
  void started.exited.then((code) => {
    if (stopping) return;
    console.error(`\n${name} exited unexpectedly (code ${code}); stopping the platform`);
    void stopAll(1);
  });
  try {
    await waitUntilReady(portOf(name, port), started.exited);
  } catch (error) {
    console.error(`\n${name} did not become ready: ${(error as Error).message}`);
    await stopAll(1);
  }
}

const line = (label: string, value: string) => console.log(`  ${label.padEnd(38)} ${value}`);
console.log("\nJunction is up.\n");
const edgePort = portOf("edge", 8080);
line("Edge (REST, Connect, gRPC-Web)", `http://localhost:${edgePort}   e.g. curl localhost:${edgePort}/.well-known/jwks.json`);
for (const { name, port } of PLATFORM_PROCESSES.filter((p) => p.name !== "edge")) {
  line(`${name} (gRPC, Connect; grpcurl)`, `localhost:${portOf(name, port)}      metrics http://localhost:${portOf(name, port)}/metrics`);
}
line("Edge health (upstreams, breakers)", `http://localhost:${edgePort}/healthz`);
line("Events", "nats stream ls; nats sub 'auth.>'");
line("Mail outbox", env.JUNCTION_MAIL_DIR!);
console.log("\nCtrl-C stops everything.\n");
