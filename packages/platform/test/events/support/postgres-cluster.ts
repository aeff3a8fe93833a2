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

/** A throwaway cluster on a free loopback port, run as the postgres user, removed after the test. */
export class TestPostgresCluster {
  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly bin: string,
  ) {}

  /** Initialises and starts a cluster for `t`; it is stopped and deleted when the test ends. */
  static async start(t: ExecutionContext): Promise<TestPostgresCluster> {
    const root = await mkdtemp(join(tmpdir(), "junction-pg-"));
    const { uid, gid } = await postgresUser();
    await chown(root, uid, gid);
    const cluster = new TestPostgresCluster(await freePort(), join(root, "data"), await postgresBin());
    t.teardown(async () => {
      await cluster.stop().catch(() => {});
      await rm(root, { recursive: true, force: true });
    });
    // Small and quick: trust on loopback, no fsync (the test loses nothing it needs on a crash).
    await cluster.asPostgres("initdb", ["-D", cluster.dataDir, "--auth=trust", "--username=postgres", "--no-sync", "-E", "UTF8"]);
    await cluster.resume();
    return cluster;
  }

  /** The URL of database `name` on this cluster. */
  url(name: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  /** Starts the cluster again (after stop()) and waits until it accepts connections. */
  async resume(): Promise<void> {
    const options = `-p ${this.port} -k '' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=20 -c shared_buffers=16MB`;
    await this.asPostgres("pg_ctl", ["-D", this.dataDir, "-o", options, "-l", `${this.dataDir}/log`, "-w", "-t", "30", "start"]);
  }

  /** Stops the cluster the way an operator's restart does: sessions are terminated, new ones refused. */
  async stop(): Promise<void> {
    await this.asPostgres("pg_ctl", ["-D", this.dataDir, "-m", "fast", "-w", "stop"]);
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
