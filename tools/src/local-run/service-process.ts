// One process of a local run: a service (or the TypeScript edge) started from its module with
// readable, prefixed log lines, and readiness polling.
import type { ChildProcess } from "node:child_process";
import { SERVICE_NODE_FLAGS, SERVICE_PROCESS_ENV } from "./node-runtime.js";
import readline from "node:readline";
import { spawnTied } from "./tied-spawn.js";

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO ", 40: "WARN ", 50: "ERROR", 60: "FATAL" };
const OMIT = new Set(["level", "time", "pid", "hostname", "service", "msg"]);

/** One pino JSON line as a short human-readable line (other text passes through). */
export function formatLogLine(line: string): string {
  if (!line.startsWith("{")) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const time = typeof entry.time === "string" ? entry.time.slice(11, 19) : "";
    const extra = Object.entries(entry)
      .filter(([key]) => !OMIT.has(key))
      .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
      .join(" ");
    return `${time} ${LEVELS[entry.level as number] ?? entry.level} ${entry.msg ?? ""}${extra ? `  ${extra}` : ""}`;
  } catch {
    return line;
  }
}

/** A running service process. */
export interface PlatformProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

/** Starts the module `main` (as the manifest names it) in `root`, its output prefixed by `name`: short readable lines when `pretty`, else the JSON lines as they are. */
export function startProcess(root: string, name: string, main: string, env: NodeJS.ProcessEnv, width: number, pretty = true): PlatformProcess {
  const child = spawnTied(process.execPath, [...SERVICE_NODE_FLAGS, "--import=tsx", main], {
    cwd: root,
    env: { ...SERVICE_PROCESS_ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = `${name.padEnd(width)} |`;
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on("line", (line) => process.stdout.write(`${prefix} ${pretty ? formatLogLine(line) : line}\n`));
  }
  // "close", not "exit": only once its output is read to the end, so no last line (its shutdown) is lost.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { name, child, exited };
}

/** Resolves once `url` answers 200, polling every `everyMs`; rejects if `exited` settles first or time runs out. */
export async function waitUntilAnswers(url: string, exited: Promise<unknown>, timeoutMs: number, everyMs: number): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error("exited before it was ready");
    try {
      // Bounded: something else holding the port may accept the connection and never answer.
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`not ready after ${timeoutMs / 1000}s`);
}

/** Resolves once http://127.0.0.1:<port>/readyz answers 200; rejects if `exited` settles first or time runs out. */
export function waitUntilReady(port: number, exited: Promise<unknown>, timeoutMs = 90_000): Promise<void> {
  return waitUntilAnswers(`http://127.0.0.1:${port}/readyz`, exited, timeoutMs, 250);
}
