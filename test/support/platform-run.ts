// `npm start` run by a test as the operator runs it: every service and the TypeScript edge as
// processes of their own, in a process group of their own, with all their output kept so a test
// can read every log line and stop the group as Ctrl-C (or a container runtime) does.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { eventually } from "./platform.js";

const root = new URL("../..", import.meta.url).pathname;

/** A running `npm start`. */
export interface PlatformRun {
  /** The start script's process id (every service and the edge are its children). */
  readonly pid: number;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** Sends `signal` to the start script alone (it must stop its children) and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Sends `signal` to the whole process group and resolves with the start script's exit code. */
  stopGroup(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILLs the whole group (cleanup after a failed test); harmless once it is gone. */
  kill(): void;
}

/** Runs tools/src/local-run/start.ts with `env` (and `args`) until it says it is up, within `upWithinMs`. */
export async function startPlatformRun(env: NodeJS.ProcessEnv, args: string[] = [], upWithinMs = 150_000): Promise<PlatformRun> {
  const child = spawn(process.execPath, ["--import=tsx", "tools/src/local-run/start.ts", ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const kill = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  };
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, "close");
  try {
    const up = eventually(async () => (output.includes("Ctrl-C stops everything") ? true : undefined), "the platform to come up and print its URLs", upWithinMs, 200);
    const exitedFirst = exited.then(() => {
      throw new Error("npm start exited before it was up");
    });
    // Whichever loses the race settles later, unobserved.
    up.catch(() => {});
    exitedFirst.catch(() => {});
    await Promise.race([up, exitedFirst]);
  } catch (error) {
    kill();
    throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`);
  }
  return {
    pid: child.pid!,
    kill,
    output: () => output,
    async stop(signal = "SIGINT") {
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
    async stopGroup(signal = "SIGINT") {
      process.kill(-child.pid!, signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
