// A Junction service run as a child process of a test (test/support/service-main.ts), so the
// test can crash it for real: SIGKILL ends it wherever it is, mid-transaction included, and a
// restart is a new process on the same port with the same database. Its output is kept (the
// last lines) for failure messages; an exit nobody asked for is remembered, not hidden.
import { spawn, type ChildProcess } from "node:child_process";
import readline from "node:readline";
import { waitUntilReady } from "@junction/tools/local-run/service-process";
import { repositoryRoot } from "../../packages/platform/test/support/tools.js";

const ENTRY = "test/support/service-main.ts";
const KEPT_LINES = 200;

/** How one run of the process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Whether the test ended it (kill or stop) rather than the process itself. */
  readonly asked: boolean;
}

/** One service as a child process that can be killed and started again. */
export class ServiceProcess {
  private child?: ChildProcess;
  private exited?: Promise<ProcessExit>;
  private asked = false;
  private readonly lines: string[] = [];
  /** Exits the test did not cause (a crash): each a defect. */
  readonly unexpectedExits: ProcessExit[] = [];

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Starts `name` on `port` with `env` and resolves once its /readyz answers 200. */
  static async start(name: string, port: number, env: NodeJS.ProcessEnv, readyWithinMs = 120_000): Promise<ServiceProcess> {
    const service = new ServiceProcess(name, port, env);
    await service.restart(readyWithinMs);
    return service;
  }

  /** Whether the process is running. */
  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The process id of the running process. */
  get pid(): number | undefined {
    return this.alive ? this.child!.pid : undefined;
  }

  /** Starts the process (again) and resolves once it is ready; fails with its last output if it exits first. */
  async restart(readyWithinMs = 120_000): Promise<void> {
    if (this.alive) throw new Error(`${this.name} is already running`);
    this.asked = false;
    const child = spawn(process.execPath, ["--import=tsx", ENTRY, this.name], { cwd: repositoryRoot, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    for (const stream of [child.stdout!, child.stderr!]) readline.createInterface({ input: stream }).on("line", (line) => this.keep(line));
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        const exit = { code, signal, asked: this.asked };
        if (!exit.asked) this.unexpectedExits.push(exit);
        resolve(exit);
      }),
    );
    try {
      await waitUntilReady(this.port, this.exited, readyWithinMs);
    } catch (error) {
      await this.kill("SIGKILL");
      throw new Error(`${this.name} did not become ready: ${(error as Error).message}\n${this.output()}`);
    }
  }

  /** Sends `signal` (SIGKILL: a crash; SIGTERM: a graceful stop) and resolves once the process has exited. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<ProcessExit | undefined> {
    if (!this.alive) return undefined;
    this.asked = true;
    this.child!.kill(signal);
    return this.exited;
  }

  /** The last lines the process wrote, for failure messages. */
  output(): string {
    return this.lines.map((line) => `${this.name} | ${line}`).join("\n");
  }

  private keep(line: string): void {
    this.lines.push(line);
    if (this.lines.length > KEPT_LINES) this.lines.shift();
  }
}
