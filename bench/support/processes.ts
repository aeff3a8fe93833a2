// The processes a benchmark measures, started the way they run in production: compiled
// JavaScript from dist/ with plain node, where a service's main.js is its bundle
// (scripts/build.mjs); tsx only in --smoke runs, which measure nothing. Each
// prints "port N" when it listens (or "result {...}" when it is a caller that is done); its CPU
// time and resident memory are read from /proc.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import readline from "node:readline";

/** Where the repository is; every process runs from there. */
export const ROOT = new URL("../..", import.meta.url).pathname;

/** How benchmark processes run: compiled from dist/ (measurements) or through tsx (smoke runs). */
export type RunMode = "compiled" | "tsx";

/** The command line that runs `source` (a repository path to a .ts file) in `mode`. */
export function nodeArgs(source: string, mode: RunMode): string[] {
  if (mode === "tsx") return ["--import=tsx", source];
  const compiled = `dist/${source.replace(/\.ts$/, ".js")}`;
  if (!existsSync(`${ROOT}${compiled}`)) throw new Error(`${compiled} is missing: run npm run build (npm run bench builds first)`);
  return [compiled];
}

/** A running benchmark process. */
export class BenchProcess {
  /** Lines it printed, oldest first (its log, for failure messages). */
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly waiters: Array<{ match: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];

  private constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on("line", (line) => {
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
        for (const waiter of [...this.waiters]) {
          const m = line.match(waiter.match);
          if (m) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve(m);
          }
        }
      });
    }
  }

  /** Starts `source` with `args` and `env`. */
  static start(label: string, source: string, mode: RunMode, env: NodeJS.ProcessEnv, args: string[] = [], nodeFlags: string[] = []): BenchProcess {
    const child = spawn(process.execPath, [...nodeFlags, ...nodeArgs(source, mode), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    return new BenchProcess(label, child);
  }

  /** The first line matching `match`, waiting up to `timeoutMs`; fails with the process's output if it exits first. */
  async line(match: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const seen = this.lines.map((l) => l.match(match)).find(Boolean);
    if (seen) return seen;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        new Promise<RegExpMatchArray>((resolve) => this.waiters.push({ match, resolve })),
        this.exited.then((code) => Promise.reject(new Error(`${this.label} exited (${code}) before printing ${match}:\n${this.lines.slice(-20).join("\n")}`))),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${this.label} did not print ${match} within ${timeoutMs} ms:\n${this.lines.slice(-20).join("\n")}`)), timeoutMs))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The port it announced. */
  async port(timeoutMs?: number): Promise<number> {
    return Number((await this.line(/^port (\d+)/, timeoutMs))[1]);
  }

  /** The JSON result a caller printed. */
  async result<T>(timeoutMs?: number): Promise<T> {
    return JSON.parse((await this.line(/^result (.*)$/, timeoutMs))[1]!) as T;
  }

  /** CPU time (user + system) used so far, in microseconds. */
  cpuMicros(): number {
    return cpuMicros(this.child.pid!);
  }

  /** Resident memory now, in MB. */
  rssMb(): number {
    return rssMb(this.child.pid!);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

const TICKS_PER_SECOND = 100;

/** CPU time (user + system) of process `pid` so far, in microseconds (10 ms resolution). */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND;
}

/** Resident memory of process `pid`, in MB. */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : NaN;
}
