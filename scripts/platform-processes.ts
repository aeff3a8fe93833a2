// Starting Junction's processes on localhost: the dependency check, one child process per
// service with readable, prefixed logs, readiness polling, and a clean stop of them all.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import readline from "node:readline";
import { NATS_START_HINT, POSTGRES_START_HINT, REDIS_START_HINT } from "@junction/platform/start-hints";

/** The processes `npm start` runs, in start order, with the port their /readyz answers on. */
export const PLATFORM_PROCESSES = [
  { name: "auth", port: 50051 },
  { name: "users", port: 50052 },
  { name: "orgs", port: 50053 },
  { name: "notifications", port: 50054 },
  { name: "audit", port: 50055 },
  { name: "edge", port: 8080 },
] as const;

const START_HINTS: Record<string, string> = { PostgreSQL: POSTGRES_START_HINT, Redis: REDIS_START_HINT, NATS: NATS_START_HINT };

function reachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

/** Names every dependency that does not answer, with how to start it; empty when all are up. */
export async function missingDependencies(env: NodeJS.ProcessEnv): Promise<string[]> {
  const deps: Array<[string, string]> = [
    ["PostgreSQL", env.DATABASE_URL ?? "postgres://127.0.0.1:5432"],
    ["Redis", env.REDIS_URL ?? "redis://127.0.0.1:6379"],
    ["NATS", env.NATS_URL ?? "nats://127.0.0.1:4222"],
  ];
  const problems: string[] = [];
  for (const [name, url] of deps) {
    const { hostname, port } = new URL(url);
    if (!(await reachable(hostname, Number(port)))) {
      problems.push(`${name} is not reachable at ${hostname}:${port}. Start it with:\n    ${START_HINTS[name]}`);
    }
  }
  return problems;
}

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

/** Starts `services/<name>/src/main.ts` with its output prefixed by its name. */
export function startProcess(root: string, name: string, env: NodeJS.ProcessEnv, width: number): PlatformProcess {
  const child = spawn(process.execPath, ["--import=tsx", `services/${name}/src/main.ts`], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = `${name.padEnd(width)} |`;
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on("line", (line) => process.stdout.write(`${prefix} ${formatLogLine(line)}\n`));
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
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
      const res = await fetch(url);
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
