// What every Junction service starts from: configuration, logger, policy, tracing, identity,
// and on request its database, Redis and clients of other services; then serve() starts the
// one port with credentials guards and readiness checks for what was opened. A service's
// main() is a few lines around its own handlers.
import { fileURLToPath } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type { Redis } from "ioredis";
import { connectRedis } from "./redis.js";
import { redisNamespace } from "./redis-keys.js";
import { createServiceClient } from "./client.js";
import { envPort, envString, envUrl, loadConfig } from "./config.js";
import { allServices, type ServiceName } from "./contracts.js";
import { databaseUrl } from "./data/database.js";
import { openDatabase, type PrismaClientClass } from "./data/prisma.js";
import { createAccessTokenVerifier, type AccessTokenVerifier } from "./identity/access-tokens.js";
import { identityInterceptors } from "./identity/caller.js";
import {
  createServiceTokenIssuer,
  serviceSecretFromEnv,
  serviceTokenInterceptor,
  type ServiceSecret,
} from "./identity/service-credentials.js";
import { createLogger, type Logger } from "./logger.js";
import { initTracing, shutdownTracing } from "./observability/tracing.js";
import { CommunicationPolicy } from "./policy.js";
import { postgresReadiness, redisReadiness, type ReadinessCheck } from "./readiness.js";
import { startServiceServer, type ServiceBinding, type ServiceServer, type ServiceServerOptions } from "./server/service-server.js";

const DEFAULT_POLICY_FILE = fileURLToPath(new URL("../../../policy.yaml", import.meta.url));

/** How to build a runtime; everything has a default from the environment. */
export interface ServiceRuntimeOptions {
  name: ServiceName;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** The access-token verifier; default: auth's JWKS at JUNCTION_JWKS_URL. Auth passes its own key set. */
  verifier?: AccessTokenVerifier;
}

/** What every service's start function takes (startAuth, startOrgs, ...); the rest comes from the environment. */
export type ServiceStartOptions = Pick<ServiceRuntimeOptions, "env" | "logger">;

type Disposable = () => Promise<unknown> | unknown;

/** The shared pieces of one service process. */
export class ServiceRuntime {
  readonly readiness: ReadinessCheck[] = [];
  private readonly disposables: Disposable[] = [];
  private readonly serviceTokens;

  private constructor(
    readonly name: ServiceName,
    readonly config: ReturnType<typeof runtimeConfig>,
    readonly env: NodeJS.ProcessEnv,
    readonly logger: Logger,
    readonly policy: CommunicationPolicy,
    readonly serviceSecret: ServiceSecret,
    readonly verifier: AccessTokenVerifier,
  ) {
    this.serviceTokens = createServiceTokenIssuer(name, serviceSecret);
  }

  /** Reads configuration and the policy file; throws ConfigError or PolicyError naming what is wrong. */
  static create(options: ServiceRuntimeOptions): ServiceRuntime {
    const env = options.env ?? process.env;
    const logger = options.logger ?? createLogger(options.name);
    const config = runtimeConfig(options.name, env);
    const policy = CommunicationPolicy.load(config.policyFile);
    policy.assertMethodsExist(allServices);
    initTracing(`junction-${options.name}`);
    const verifier = options.verifier ?? createAccessTokenVerifier({ jwksUrl: config.jwksUrl });
    return new ServiceRuntime(options.name, config, env, logger, policy, serviceSecretFromEnv(env, logger), verifier);
  }

  /** Opens this service's database (created and migrated if needed) with its generated Prisma client. */
  async database<Client extends { $disconnect(): Promise<void>; $queryRaw: (q: TemplateStringsArray) => Promise<unknown> }>(
    PrismaClient: PrismaClientClass<Client>,
    migrationsDir: string,
  ): Promise<Client> {
    const prisma = await openDatabase({ service: this.name, migrationsDir, PrismaClient, url: this.config.databaseUrl, log: this.logger });
    this.readiness.push(postgresReadiness(() => prisma.$queryRaw`SELECT 1`));
    this.disposables.push(() => prisma.$disconnect());
    return prisma;
  }

  /** Connects to Redis at REDIS_URL; fails with the address and how to start Redis if unreachable. */
  async redis(): Promise<Redis> {
    const redis = await connectRedis(this.config.redisUrl, this.logger, `${redisNamespace(this.env)}-${this.name}`);
    this.readiness.push(redisReadiness(redis));
    this.disposables.push(() => redis.quit());
    return redis;
  }

  /** A typed client of another service, carrying this service's credentials. */
  client<T extends DescService>(service: T): Client<T> {
    return createServiceClient(service, {
      policy: this.policy,
      env: this.env,
      interceptors: [serviceTokenInterceptor(this.serviceTokens)],
    });
  }

  /** Closes what was opened so far (reverse order) when start fails before serve(); the error is the caller's to throw. */
  async abandon(): Promise<void> {
    for (const step of [...this.disposables].reverse()) {
      try {
        await step();
      } catch (error) {
        this.logger.warn({ err: error }, "cleanup after a failed start failed");
      }
    }
  }

  /** Registers cleanup run after the server has drained (reverse order of registration). */
  onShutdown(step: Disposable): void {
    this.disposables.push(step);
  }

  /** Starts serving `services` on JUNCTION_<NAME>_PORT with the identity guards. */
  async serve(services: ServiceBinding[], extra: Partial<Pick<ServiceServerOptions, "httpRoutes" | "interceptors" | "port">> = {}): Promise<ServiceServer> {
    const server = await startServiceServer({
      name: this.name,
      port: extra.port ?? this.config.port,
      policy: this.policy,
      logger: this.logger,
      services,
      interceptors: [...identityInterceptors(this.serviceSecret, this.verifier), ...(extra.interceptors ?? [])],
      readiness: this.readiness,
      httpRoutes: extra.httpRoutes,
    });
    for (const step of this.disposables) server.onShutdown(step);
    server.onShutdown(() => shutdownTracing());
    return server;
  }
}

function runtimeConfig(name: ServiceName, env: NodeJS.ProcessEnv) {
  const upper = name.toUpperCase();
  const defaults = { auth: 50051, users: 50052, orgs: 50053, notifications: 50054, audit: 50055 } as const;
  return loadConfig(
    {
      port: envPort(`JUNCTION_${upper}_PORT`, defaults[name]),
      policyFile: envString("JUNCTION_POLICY_FILE", DEFAULT_POLICY_FILE),
      databaseUrl: envUrl(`JUNCTION_${upper}_DATABASE_URL`, databaseUrl(name, env.DATABASE_URL, {})),
      redisUrl: envUrl("REDIS_URL", "redis://127.0.0.1:6379"),
      natsUrl: envString("NATS_URL", "nats://127.0.0.1:4222"),
      jwksUrl: envUrl("JUNCTION_JWKS_URL", "http://127.0.0.1:50051/.well-known/jwks.json"),
    },
    env,
  );
}
