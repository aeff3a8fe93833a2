// Running the real Envoy on this machine, for `npm start` and the tests: where setup installed it,
// starting it on a rendered config, waiting until its admin interface says it is live, and
// stopping it. Several can run at once (a dynamic base id each), on one worker thread.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Where `npm run setup` installs Envoy, relative to the repository root. */
export const ENVOY_BINARY = "var/tools/bin/envoy";

/** What to do when Envoy is missing. */
export const ENVOY_SETUP_HINT = "npm run setup (installs Envoy into var/tools/bin; see README.md)";

/** The absolute path of the installed Envoy under `root`, or undefined when it is not installed. */
export function installedEnvoy(root: string): string | undefined {
  const path = join(root, ENVOY_BINARY);
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
}

/** Starts Envoy on a rendered config; its stdout and stderr are left for the caller to read. */
export function startEnvoyProcess(options: EnvoyStart): EnvoyProcess {
  const args = ["-c", options.configPath, "--concurrency", "1", "--use-dynamic-base-id", "--log-level", options.logLevel ?? "warn"];
  // Envoy drains connections for 10 minutes by default on a hot restart; there is none here.
  args.push("--drain-time-s", "1", "--parent-shutdown-time-s", "2");
  // Access-log lines reach stdout within a quarter second instead of Envoy's default ten.
  args.push("--file-flush-interval-msec", "250");
  const child = spawn(options.binary, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited };
}

/** Resolves once `adminUrl`/ready answers 200 (Envoy is initialized and live); rejects if `exited` settles first or time runs out. */
export async function waitUntilEnvoyLive(adminUrl: string, exited: Promise<unknown>, timeoutMs = 30_000): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error("Envoy exited before it was live");
    try {
      if ((await fetch(`${adminUrl}/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Envoy was not live after ${timeoutMs / 1000}s`);
}

/** Stops Envoy (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
export async function stopEnvoyProcess(envoy: EnvoyProcess, graceMs = 5_000): Promise<void> {
  if (envoy.child.exitCode !== null || envoy.child.signalCode !== null) return;
  envoy.child.kill("SIGTERM");
  const forced = setTimeout(() => envoy.child.kill("SIGKILL"), graceMs);
  await envoy.exited;
  clearTimeout(forced);
}
