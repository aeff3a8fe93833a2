// A Redis server owned by one test (its own port and directory), so the test can kill and
// restart it — a real Redis outage — without touching the machine's shared server on 6379.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecutionContext } from "ava";
import { freePort } from "../../packages/platform/test/support/ports.js";

/** A redis-server (Debian's, on PATH) on a free loopback port, without persistence. */
export class TestRedisServer {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  /** Starts a server for `t`; it is stopped and removed when the test ends. */
  static async start(t: ExecutionContext): Promise<TestRedisServer> {
    const server = await TestRedisServer.launch();
    t.teardown(() => server.remove());
    return server;
  }

  /** Starts a server that lives until remove() (for a whole file's tests, or a script). */
  static async launch(): Promise<TestRedisServer> {
    const server = new TestRedisServer(await freePort(), await mkdtemp(join(tmpdir(), "junction-redis-")));
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the server process is up. */
  get running(): boolean {
    return this.process !== undefined;
  }

  /** Starts the server (again) on the same port; resolves once it accepts connections. */
  async resume(): Promise<void> {
    if (this.process) return;
    // No RDB snapshots and no AOF: a restart starts empty, as a cache-only Redis does.
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir, "--protected-mode", "no"];
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.process = child;
    let log = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${log}`)), 15_000);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        if (this.process === child) this.process = undefined;
        reject(new Error(`redis-server exited with ${code}:\n${log}`));
      });
    });
  }

  /** Stops the server with `signal` (SIGKILL: a crash) and waits until it has exited. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  /** Stops the server and deletes its directory. */
  async remove(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
