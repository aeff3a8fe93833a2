// A PostgreSQL cluster owned by one test (initdb into a temporary directory, its own port), so
// the test can stop and start it — a real database outage — without touching the shared server.
import { execFile } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ExecutionContext } from "ava";
import { freePort } from "../../support/ports.js";

const run = promisify(execFile);

/** How a test's cluster is sized. */
export interface ClusterOptions {
  /** Connections the server accepts (20 by default: one or two services' pools). */
  maxConnections?: number;
}

/** A throwaway cluster on a free loopback port, run as the postgres user, removed after the test. */
export class TestPostgresCluster {
  private up = false;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly root: string,
    private readonly bin: string,
    private readonly options: ClusterOptions,
  ) {}

  /** Initialises and starts a cluster for `t`; it is stopped and deleted when the test ends. */
  static async start(t: ExecutionContext, options: ClusterOptions = {}): Promise<TestPostgresCluster> {
    const cluster = await TestPostgresCluster.launch(options);
    t.teardown(() => cluster.remove());
    return cluster;
  }

  /** Initialises and starts a cluster that lives until remove() (for a whole file's tests, or a script). */
  static async launch(options: ClusterOptions = {}): Promise<TestPostgresCluster> {
    const root = await mkdtemp(join(tmpdir(), "junction-pg-"));
    const { uid, gid } = await postgresUser();
    await chown(root, uid, gid);
    const cluster = new TestPostgresCluster(await freePort(), join(root, "data"), root, await postgresBin(), options);
    try {
      // Small and quick: trust on loopback, no fsync (the test loses nothing it needs on a crash).
      await cluster.asPostgres("initdb", ["-D", cluster.dataDir, "--auth=trust", "--username=postgres", "--no-sync", "-E", "UTF8"]);
      await cluster.resume();
    } catch (error) {
      await cluster.remove();
      throw error;
    }
    return cluster;
  }

  /** Whether the server is up (as far as this object started and stopped it). */
  get running(): boolean {
    return this.up;
  }

  /** Stops the cluster if it runs and deletes its directory. */
  async remove(): Promise<void> {
    await this.stop().catch(() => {});
    await rm(this.root, { recursive: true, force: true });
  }

  /** The URL of database `name` on this cluster. */
  url(name: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  /** Starts the cluster again (after stop()) and waits until it accepts connections. */
  async resume(): Promise<void> {
    const connections = this.options.maxConnections ?? 20;
    const options = `-p ${this.port} -k '' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=${connections} -c shared_buffers=16MB`;
    await this.asPostgres("pg_ctl", ["-D", this.dataDir, "-o", options, "-l", `${this.dataDir}/log`, "-w", "-t", "60", "start"]);
    this.up = true;
  }

  /**
   * Stops the cluster the way an operator's restart does (`fast`: sessions are terminated, new ones
   * refused), or as a crash does (`immediate`: every process quits at once, the next start recovers
   * from the write-ahead log).
   */
  async stop(mode: "fast" | "immediate" = "fast"): Promise<void> {
    await this.asPostgres("pg_ctl", ["-D", this.dataDir, "-m", mode, "-w", "stop"]);
    this.up = false;
  }

  private async asPostgres(command: string, args: string[]): Promise<void> {
    await run("runuser", ["-u", "postgres", "--", join(this.bin, command), ...args], { cwd: tmpdir() });
  }
}

async function postgresBin(): Promise<string> {
  return (await run("pg_config", ["--bindir"])).stdout.trim();
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
