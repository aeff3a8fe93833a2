// A whole Junction deployment that a fault test may break: its own NATS, Redis and PostgreSQL
// on free loopback ports (never the machine's shared servers), auth, users, notifications and
// audit against them — the ones the test names as child processes it can SIGKILL, the others
// in-process — and an edge in front (the TypeScript edge, or the real Envoy with the services
// calling each other through its internal listener, as npm start runs them), with the mail
// outbox in a directory of its own.
//
//   const deployment = await FaultDeployment.launch({ processes: ["auth", "users"] });
//   await deployment.service("users").kill("SIGKILL");
//   await deployment.close();
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEdge } from "@junction/edge";
import { createLogger, type ConsumerSettings, type HostOptions, type ServiceServer } from "@junction/platform";
import { TestNatsServer } from "../../packages/platform/test/events/support/nats-server.js";
import { TestPostgresCluster } from "../../packages/platform/test/events/support/postgres-cluster.js";
import type { ServiceName } from "./junction.js";
import { TestPlatform, type ServiceStarter } from "./platform.js";
import { TestRedisServer } from "./redis-server.js";
import { ServiceProcess } from "./service-process.js";
import { callsThrough, envoyDeploymentFor, startTestEnvoy, type TestEnvoy } from "./envoy.js";
import { startAudit, startAuth, startNotifications, startUsers } from "./services.js";

/** The services a registration touches, in start order: auth first (its keys), consumers after. */
export const FAULT_SERVICES = ["auth", "users", "notifications", "audit"] as const;
/** One of them. */
export type FaultService = (typeof FAULT_SERVICES)[number];

const STARTERS: Record<FaultService, (options: HostOptions) => Promise<ServiceServer>> = {
  auth: startAuth,
  users: startUsers,
  notifications: startNotifications,
  audit: startAudit,
};

/** A dependency every service has. */
export type Dependency = "nats" | "postgres" | "redis";

/** How the deployment is run. */
export interface FaultDeploymentOptions {
  /** Services run as child processes (killable for real); the rest run in the test's process. */
  readonly processes?: readonly FaultService[];
  /** Every consumer's redelivery settings (the same for in-process and child instances). */
  readonly consumerSettings?: Partial<ConsumerSettings>;
  /** Extra environment for every service and the edge. */
  readonly env?: Record<string, string>;
  /** The edge in front: the TypeScript edge (default) or the real Envoy. */
  readonly edge?: "typescript" | "envoy";
}

/** Limits no fault test's one client reaches, so every request still passes a limiter. */
const UNREACHED_LIMIT = 1_000_000;

/** A deployment with its own dependencies, for breaking them one at a time. */
export class FaultDeployment {
  private readonly processes = new Map<string, ServiceProcess>();
  private edgeServer?: ServiceServer;
  private envoy?: TestEnvoy;

  private constructor(
    readonly nats: TestNatsServer,
    readonly redis: TestRedisServer,
    readonly postgres: TestPostgresCluster,
    readonly platform: TestPlatform,
    readonly mailDir: string,
    private readonly options: FaultDeploymentOptions,
  ) {}

  /** Starts the dependencies, the services and the edge; on failure removes whatever it had started. */
  static async launch(options: FaultDeploymentOptions = {}): Promise<FaultDeployment> {
    const started: Array<() => Promise<unknown>> = [];
    try {
      const [nats, redis, postgres, mailDir] = await Promise.all([
        TestNatsServer.launch().then((s) => (started.push(() => s.remove()), s)),
        TestRedisServer.launch().then((s) => (started.push(() => s.remove()), s)),
        // Four services' pools, relays and the test's own queries.
        TestPostgresCluster.launch({ maxConnections: 150 }).then((s) => (started.push(() => s.remove()), s)),
        mkdtemp(join(tmpdir(), "junction-fault-mail-")).then((dir) => (started.push(() => rm(dir, { recursive: true, force: true })), dir)),
      ]);
      const platform = await TestPlatform.create(undefined, {
        NATS_URL: nats.url,
        REDIS_URL: redis.url,
        JUNCTION_TEST_POSTGRES_URL: `postgres://postgres@127.0.0.1:${postgres.port}`,
        JUNCTION_MAIL_DIR: mailDir,
        // One client sends all the traffic: a limit it never reaches, so every request still
        // passes the edge's limiter (and its Redis) without the limit shaping the stream.
        JUNCTION_EDGE_RATE_LIMIT_PER_CLIENT: String(UNREACHED_LIMIT),
        JUNCTION_EDGE_RATE_LIMIT_PER_USER: String(UNREACHED_LIMIT),
        JUNCTION_TEST_CONSUMER_SETTINGS: JSON.stringify(options.consumerSettings ?? {}),
        ...options.env,
      });
      const deployment = new FaultDeployment(nats, redis, postgres, platform, mailDir, options);
      started.length = 0;
      try {
        await deployment.startServices();
      } catch (error) {
        await deployment.close();
        throw error;
      }
      return deployment;
    } catch (error) {
      for (const remove of started.reverse()) await remove().catch(() => {});
      throw error;
    }
  }

  /** The edge's base URL. */
  get edgeUrl(): string {
    return this.envoy?.url ?? this.edge.url;
  }

  /** The running edge. */
  get edge(): ServiceServer {
    if (!this.edgeServer) throw new Error("the edge is not running");
    return this.edgeServer;
  }

  /** The child process of `name` (one of `processes`). */
  service(name: FaultService): ServiceProcess {
    const process = this.processes.get(name);
    if (!process) throw new Error(`${name} does not run as a process here`);
    return process;
  }

  /** Exits of service processes that nobody asked for, with their last output. */
  crashes(): string[] {
    return [...this.processes.values()].flatMap((p) => p.unexpectedExits.map((exit) => `${p.name} exited on its own (code ${exit.code}, signal ${exit.signal})\n${p.output()}`));
  }

  /** Stops `dependency` as a crash does (SIGKILL; PostgreSQL's immediate shutdown). */
  async crash(dependency: Dependency): Promise<void> {
    if (dependency === "nats") await this.nats.stop("SIGKILL");
    else if (dependency === "redis") await this.redis.stop("SIGKILL");
    else await this.postgres.stop("immediate");
  }

  /** Starts `dependency` again on the same port with the same data. */
  async recover(dependency: Dependency): Promise<void> {
    if (dependency === "nats") await this.nats.resume();
    else if (dependency === "redis") await this.redis.resume();
    else await this.postgres.resume();
  }

  /** Stops an in-process service gracefully and starts it again (a rolling restart). */
  async restartInProcess(name: FaultService): Promise<void> {
    await this.platform.restart(name, this.starter(name));
  }

  /** Stops everything and removes every server, database, stream and directory it started. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (step: () => Promise<unknown>) => step().catch((error: unknown) => errors.push(error));
    if (this.edgeServer) await attempt(() => this.edgeServer!.close());
    if (this.envoy) await attempt(() => this.envoy!.close());
    await Promise.all([...this.processes.values()].map((p) => attempt(() => p.kill("SIGTERM"))));
    // The platform cleans up through the dependencies: bring back any that a failed test left down.
    if (!this.nats.running) await attempt(() => this.nats.resume());
    if (!this.redis.running) await attempt(() => this.redis.resume());
    if (!this.postgres.running) await attempt(() => this.postgres.resume());
    await attempt(() => this.platform.close());
    await Promise.all([this.nats.remove(), this.redis.remove(), this.postgres.remove(), rm(this.mailDir, { recursive: true, force: true })].map((p) => attempt(() => p)));
    if (errors.length > 0) throw new AggregateError(errors, `closing the fault deployment: ${errors.map(String).join("; ")}`);
  }

  private async startServices(): Promise<void> {
    const asProcess = new Set<string>(this.options.processes ?? []);
    let behindEnvoy: Record<string, string> = {};
    if (this.options.edge === "envoy") {
      this.envoy = await startTestEnvoy(await envoyDeploymentFor(this.platform));
      behindEnvoy = callsThrough(this.envoy.deployment);
    }
    for (const name of FAULT_SERVICES) {
      if (asProcess.has(name)) {
        const port = Number(new URL(this.platform.url(name)).port);
        this.processes.set(name, await ServiceProcess.start(name, port, { ...this.platform.env, ...behindEnvoy }));
      } else {
        await this.platform.start(name as ServiceName, this.starter(name), behindEnvoy);
      }
    }
    if (this.envoy) await this.envoy.untilHealthy([...FAULT_SERVICES]);
    else this.edgeServer = await startEdge({ port: 0, env: this.platform.env, logger: createLogger("edge", this.platform.env.LOG_LEVEL) });
  }

  /** `name`'s starter with the deployment's consumer settings. */
  private starter(name: FaultService): ServiceStarter {
    return (options) => STARTERS[name]({ ...options, consumerSettings: this.options.consumerSettings });
  }
}
