// End-to-end test harness: real Junction services started in-process on ephemeral ports, each
// with a throwaway database, sharing one Redis namespace and one event namespace that belong to
// this test alone. Every service's port is reserved up front, so a service that is not started
// (or was stopped) is simply down — connection refused — exactly as in production.
//
//   const platform = await TestPlatform.create(t);
//   await platform.start("auth", startAuth);
//   const auth = platform.client(AuthService);
//
// Everything is torn down when the test ends: servers closed, databases dropped, Redis keys
// deleted, NATS streams of the namespace removed.
import { randomBytes } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { ExecutionContext } from "ava";
import { Redis } from "ioredis";
import pg from "pg";
import { createLogger, createServiceTokenIssuer, type Logger, type ServiceServer, serviceTokenInterceptor } from "@junction/platform";
import { type ServiceName, serviceNames } from "./junction.js";
import { dropNamespaceStreams } from "./events.js";
import { freePort } from "../../packages/platform/test/support/ports.js";

export { eventually } from "../../packages/platform/test/support/eventually.js";

/** What a service's exported start function looks like (startAuth, startUsers, ...). */
export type ServiceStarter = (options: { env: NodeJS.ProcessEnv; logger?: Logger }) => Promise<ServiceServer>;

/** The key every test Envoy adds to outside requests (test/support/envoy.ts), and every test platform's services accept. */
export const TEST_EDGE_KEY = randomBytes(32).toString("hex");

/** Settings that make services quick to test: cheap password hashing, quiet logs. */
export const TEST_SETTINGS: Readonly<Record<string, string>> = {
  JUNCTION_AUTH_ARGON2_MEMORY_KIB: "256",
  JUNCTION_AUTH_ARGON2_TIME_COST: "1",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "error",
};

const POSTGRES = process.env.JUNCTION_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432";

interface Running {
  readonly server: ServiceServer;
  readonly starter: ServiceStarter;
  readonly env: Record<string, string>;
}

/** A private deployment of Junction services for one test. */
export class TestPlatform {
  private readonly running = new Map<ServiceName, Running>();
  private readonly databases = new Set<string>();
  private redisClient: Redis | undefined;

  private constructor(
    /** Lowercase letters and digits, unique to this deployment. */
    readonly id: string,
    /** The environment every service starts with. */
    readonly env: Readonly<NodeJS.ProcessEnv>,
    private readonly ports: Readonly<Record<ServiceName, number>>,
  ) {}

  /**
   * Reserves ports and namespaces; `env` adds or overrides settings for every service (its
   * JUNCTION_TEST_POSTGRES_URL puts every service's database on that server instead). With a
   * test's `t` everything is removed when that test ends; without (a deployment shared by a
   * file's tests, made in `test.before`), call close() in `test.after.always`.
   */
  static async create(t?: ExecutionContext, env: Record<string, string> = {}): Promise<TestPlatform> {
    const id = `t${randomBytes(5).toString("hex")}`;
    const ports = Object.fromEntries(await Promise.all(serviceNames.map(async (name) => [name, await freePort()]))) as Record<ServiceName, number>;
    const shared: NodeJS.ProcessEnv = {
      ...process.env,
      ...TEST_SETTINGS,
      JUNCTION_SERVICE_SECRET: randomBytes(32).toString("hex"),
      JUNCTION_EDGE_KEY: TEST_EDGE_KEY,
      JUNCTION_SEALED_FIELDS_KEYS: `test:${randomBytes(32).toString("base64")}`,
      JUNCTION_REDIS_NAMESPACE: `junction-${id}`,
      JUNCTION_EVENTS_PREFIX: id,
      JUNCTION_JWKS_URL: `http://127.0.0.1:${ports.auth}/.well-known/jwks.json`,
      JUNCTION_CLIENT_RETRIES: "true",
    };
    for (const name of serviceNames) {
      const upper = name.toUpperCase();
      shared[`JUNCTION_${upper}_PORT`] = String(ports[name]);
      shared[`JUNCTION_${upper}_URL`] = `http://127.0.0.1:${ports[name]}`;
      shared[`JUNCTION_${upper}_DATABASE_URL`] = `${env.JUNCTION_TEST_POSTGRES_URL ?? POSTGRES}/junction_${id}_${name}`;
    }
    const platform = new TestPlatform(id, { ...shared, ...env }, ports);
    t?.teardown(() => platform.close());
    return platform;
  }

  /** Starts `name` with `starter` (its exported start function) and `env` on top of the shared environment. */
  async start(name: ServiceName, starter: ServiceStarter, env: Record<string, string> = {}): Promise<ServiceServer> {
    if (this.running.has(name)) throw new Error(`${name} is already running`);
    const serviceEnv = { ...this.env, ...env };
    this.databases.add(serviceEnv[`JUNCTION_${name.toUpperCase()}_DATABASE_URL`]!);
    const server = await starter({ env: serviceEnv, logger: createLogger(name, serviceEnv.LOG_LEVEL) });
    this.running.set(name, { server, starter, env });
    return server;
  }

  /** Stops `name` gracefully; its port is then refused, as for any service that is down. */
  async stop(name: ServiceName): Promise<void> {
    const running = this.running.get(name);
    if (!running) return;
    this.running.delete(name);
    await running.server.close();
  }

  /** Stops `name` if it runs, then starts it again on the same port with the same database. */
  async restart(name: ServiceName, starter?: ServiceStarter): Promise<ServiceServer> {
    const previous = this.running.get(name);
    const chosen = starter ?? previous?.starter;
    if (!chosen) throw new Error(`${name} was never started; pass its starter`);
    await this.stop(name);
    return this.start(name, chosen, previous?.env);
  }

  /** The running server of `name`. */
  server(name: ServiceName): ServiceServer {
    const running = this.running.get(name);
    if (!running) throw new Error(`${name} is not running`);
    return running.server;
  }

  /** The base URL of `name`'s port, whether or not it runs. */
  url(name: ServiceName): string {
    return `http://127.0.0.1:${this.ports[name]}`;
  }

  /** The database URL of `name`. */
  databaseUrl(name: ServiceName): string {
    return this.env[`JUNCTION_${name.toUpperCase()}_DATABASE_URL`]!;
  }

  /** A gRPC client of `service` as an outside caller (no service credentials). */
  client<T extends DescService>(service: T, interceptors: Interceptor[] = []): Client<T> {
    return createClient(service, createGrpcTransport({ baseUrl: this.url(serviceOf(service)), interceptors }));
  }

  /** A gRPC client of `service` that presents `caller`'s service credentials, as another Junction service would. */
  serviceClient<T extends DescService>(service: T, caller: ServiceName | "edge" = "users"): Client<T> {
    const secret = new TextEncoder().encode(this.env.JUNCTION_SERVICE_SECRET);
    return this.client(service, [serviceTokenInterceptor(createServiceTokenIssuer(caller, secret))]);
  }

  /** Rows of `sql` in `name`'s database. */
  async query<Row extends pg.QueryResultRow>(name: ServiceName, sql: string, params: unknown[] = []): Promise<Row[]> {
    const client = new pg.Client({ connectionString: this.databaseUrl(name) });
    await client.connect();
    try {
      return (await client.query<Row>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** A Redis client for looking at (or tampering with) this deployment's keys. */
  get redis(): Redis {
    this.redisClient ??= new Redis(this.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 2 });
    return this.redisClient;
  }

  /** Stops every service and removes everything the deployment created. */
  async close(): Promise<void> {
    await Promise.all([...this.running.keys()].map((name) => this.stop(name)));
    const redis = this.redis;
    const keys = await redis.keys(`${this.env.JUNCTION_REDIS_NAMESPACE}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await dropNamespaceStreams(this.env);
    await Promise.all([...this.databases].map(dropDatabase));
  }
}

/** The Junction service that serves `service`, from its package (junction.<service>.v1). */
function serviceOf(service: DescService): ServiceName {
  const name = service.typeName.split(".")[1] as ServiceName;
  if (!serviceNames.includes(name)) throw new Error(`${service.typeName} is not a Junction service`);
  return name;
}

/** Drops the database of `url` on the server `url` names (a test's own cluster, or the shared one). */
async function dropDatabase(url: string): Promise<void> {
  const server = new URL(url);
  const name = server.pathname.slice(1);
  server.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
