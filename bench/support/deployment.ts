// Real Junction services for a benchmark, each its own process as in production, on a private
// deployment (TestPlatform's ports, databases, Redis and event namespaces), removed afterwards.
import type { ServiceName } from "../../test/support/junction.js";
import pg from "pg";
import { TestPlatform } from "../../test/support/platform.js";
import { BenchProcess, type RunMode } from "./processes.js";
import { SERVICE_NODE_FLAGS, SERVICE_PROCESS_ENV } from "../../tools/src/local-run/node-runtime.js";

const POSTGRES = process.env.JUNCTION_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432";

/** A private set of service processes. */
export class BenchDeployment {
  private readonly processes = new Map<string, BenchProcess>();

  private constructor(
    readonly platform: TestPlatform,
    readonly mode: RunMode,
  ) {}

  /** Reserves ports and namespaces; `env` adds settings for every service. */
  static async create(mode: RunMode, env: Record<string, string> = {}): Promise<BenchDeployment> {
    return new BenchDeployment(await TestPlatform.create(undefined, { LOG_LEVEL: "warn", JUNCTION_DEV_MODE: "true", ...env }), mode);
  }

  /** The environment every service of the deployment starts with. */
  get env(): NodeJS.ProcessEnv {
    return this.platform.env;
  }

  /** The base URL of `name`'s port. */
  url(name: ServiceName): string {
    return this.platform.url(name);
  }

  /** Starts `name` (services/<name>/src/main.ts) and waits until its /readyz answers 200. */
  async start(name: ServiceName | "edge", env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<BenchProcess> {
    // As npm start and the Docker image run services (node-runtime.ts).
    const started = BenchProcess.start(name, `services/${name}/src/main.ts`, this.mode, { ...SERVICE_PROCESS_ENV, ...this.env, ...env }, [], [...SERVICE_NODE_FLAGS, ...nodeFlags]);
    this.processes.set(name, started);
    const port = name === "edge" ? Number(env.JUNCTION_EDGE_PORT) : Number(new URL(this.url(name)).port);
    await untilReady(`http://127.0.0.1:${port}/readyz`, started);
    return started;
  }

  /** Stops every process, drops the databases, deletes the Redis keys and streams. */
  async close(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
    for (const name of this.processes.keys()) {
      const url = this.env[`JUNCTION_${name.toUpperCase()}_DATABASE_URL`];
      if (url) await dropDatabase(url);
    }
    await this.platform.close();
  }
}

/** Resolves once `url` answers 200; fails if `process` exits first or after `timeoutMs`. */
export async function untilReady(url: string, process: BenchProcess, timeoutMs = 90_000): Promise<number> {
  const started = performance.now();
  let exited = false;
  void process.exited.then(() => (exited = true));
  while (performance.now() - started < timeoutMs) {
    if (exited) throw new Error(`${process.label} exited before it was ready:\n${process.lines.slice(-20).join("\n")}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${process.label} was not ready at ${url} within ${timeoutMs} ms:\n${process.lines.slice(-20).join("\n")}`);
}

async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: `${POSTGRES}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
