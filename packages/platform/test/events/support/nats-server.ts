// A NATS server owned by one test (its own port and store directory), so the test can stop
// and restart it without touching the machine's shared server on 4222.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecutionContext } from "ava";
import { freePort } from "../../support/ports.js";
import { tool } from "../../support/tools.js";

const NATS_SERVER = tool("nats-server");

/** A JetStream-enabled nats-server on a free port, stopped and removed after the test. */
export class TestNatsServer {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  /** Starts a server for `t`. */
  static async start(t: ExecutionContext): Promise<TestNatsServer> {
    const server = await TestNatsServer.launch();
    t.teardown(() => server.remove());
    return server;
  }

  /** Starts a server that lives until remove() (for a whole file's tests). */
  static async launch(): Promise<TestNatsServer> {
    const server = new TestNatsServer(await freePort(), await mkdtemp(join(tmpdir(), "junction-nats-")));
    await server.resume();
    return server;
  }

  /** Stops the server and deletes its store. */
  async remove(): Promise<void> {
    await this.stop();
    await rm(this.storeDir, { recursive: true, force: true });
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts the server again on the same port and store directory. */
  async resume(): Promise<void> {
    const child = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.storeDir], { stdio: ["ignore", "ignore", "pipe"] });
    this.process = child;
    let log = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${log}`)), 10_000);
      child.stderr!.on("data", (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes("Server is ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}:\n${log}`));
      });
    });
  }

  /** Whether the server process is up. */
  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null;
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
}

