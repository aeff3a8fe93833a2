// What the runtime opens for one service process and hands to its domain: configuration,
// logger, policy, its manifest entry, and on demand its database, Redis, the event backbone and
// clients of other services. Everything opened is probed by /readyz and closed at shutdown in
// reverse order; a failed start closes what was opened so far.
import { fileURLToPath } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type { Redis } from "ioredis";
import { createServiceClient } from "../client.js";
import { envString, envUrl, loadConfig } from "../config.js";
import { Contracts } from "../contracts/contracts.js";
import { databaseUrl } from "../data/database.js";
import { openDatabase } from "../data/prisma.js";
import { defaultConsumerSettings, type ConsumerSettings } from "../events/provisioning.js";
import { Outbox } from "../events/outbox.js";
import { FieldSeal } from "../events/sealed-fields.js";
import { ServiceEvents } from "../events/service-events.js";
import { SessionRegistry } from "../identity/sessions.js";
import { createServiceTokenIssuer, serviceSecretFromEnv, serviceTokenInterceptor, type ServiceSecret, type ServiceTokenIssuer } from "../identity/service-credentials.js";
import { createLogger, type Logger } from "../logger.js";
import { Manifest, type ManifestService } from "../manifest/manifest.js";
import { initTracing } from "../observability/tracing.js";
import { CommunicationPolicy } from "../policy.js";
import { postgresReadiness, redisReadiness, type ReadinessCheck } from "../readiness.js";
import { redisNamespace } from "../redis-keys.js";
import { connectRedis } from "../redis.js";
import type { DatabaseClient, DatabaseDeclaration } from "./service-declaration.js";
import { servicePort } from "../manifest/addresses.js";

const REPOSITORY_FILE = (name: string) => fileURLToPath(new URL(`../../../../${name}`, import.meta.url));

/** How to host a service; everything else comes from the environment and the manifest. */
export interface HostOptions {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Redelivery policy of the service's consumers; the platform's by default (tests shorten it). */
  consumerSettings?: Partial<ConsumerSettings>;
  /** The topology; default: the file at JUNCTION_MANIFEST_FILE (the repository's manifest.yaml). */
  manifest?: Manifest;
  /** False for tools that only use the service's data (an admin CLI): no service secret is needed. */
  serving?: boolean;
}

type ShutdownStep = () => Promise<unknown> | unknown;

/** The shared pieces of one service process, as its domain sees them. */
export class ServiceHost<Db extends DatabaseClient = DatabaseClient> {
  readonly readiness: ReadinessCheck[] = [];
  readonly shutdownSteps: ShutdownStep[] = [];
  readonly consumerSettings: ConsumerSettings;
  private openedDatabase?: Db;
  private openedRedis?: Redis;
  private joinedEvents?: ServiceEvents;
  private secret?: ServiceSecret;
  private seal?: FieldSeal;
  private loadedContracts?: Contracts;
  private issuer?: ServiceTokenIssuer;

  private constructor(
    readonly entry: ManifestService,
    readonly manifest: Manifest,
    readonly env: NodeJS.ProcessEnv,
    readonly logger: Logger,
    readonly policy: CommunicationPolicy,
    readonly config: ReturnType<typeof hostConfig>,
    options: HostOptions,
  ) {
    this.consumerSettings = { ...defaultConsumerSettings, ...options.consumerSettings };
  }

  /** Reads configuration, the manifest and the policy; throws naming what is wrong. */
  static create<Db extends DatabaseClient>(name: string, options: HostOptions = {}): ServiceHost<Db> {
    const env = options.env ?? process.env;
    const logger = options.logger ?? createLogger(name);
    const config = hostConfig(env);
    const manifest = options.manifest ?? Manifest.load(config.manifestFile);
    const entry = manifest.service(name);
    servicePort(entry, env); // a malformed port fails start now, naming its variable
    const policy = CommunicationPolicy.load(config.policyFile, manifest);
    initTracing(`junction-${name}`);
    const host = new ServiceHost<Db>(entry, manifest, env, logger, policy, config, options);
    if (options.serving !== false) void host.serviceSecret; // a service that serves or calls fails start now without one
    void host.fieldSeal; // and one that needs the sealing keys, without them
    return host;
  }

  /** The secret service credentials are signed with: JUNCTION_SERVICE_SECRET (the public one only in development mode). */
  get serviceSecret(): ServiceSecret {
    this.secret ??= serviceSecretFromEnv(this.env, this.logger);
    return this.secret;
  }

  /** The service's name in the manifest. */
  get name(): string {
    return this.entry.name;
  }

  /** The port it serves on: JUNCTION_<NAME>_PORT, else the manifest's. */
  get port(): number {
    return servicePort(this.entry, this.env);
  }

  /** Its database URL: JUNCTION_<NAME>_DATABASE_URL, else DATABASE_URL's server with the manifest's database. */
  get databaseUrl(): string {
    return databaseUrl(this.name, this.env.DATABASE_URL, this.env, this.entry.database);
  }

  /** The Redis key namespace of this deployment. */
  get redisNamespace(): string {
    return redisNamespace(this.env);
  }

  /** The service's database client; only for services that declare one. */
  get database(): Db {
    if (!this.openedDatabase) throw new Error(`${this.name} declares no database`);
    return this.openedDatabase;
  }

  /** The Redis connection; only once opened (services that use Redis or check sessions). */
  get redis(): Redis {
    if (!this.openedRedis) throw new Error(`${this.name} has no Redis connection (declare redis: true)`);
    return this.openedRedis;
  }

  /** The session registry every service checks tokens against, and the issuer writes. */
  get sessions(): SessionRegistry {
    return new SessionRegistry(this.redis, this.redisNamespace);
  }

  /** Every service's contract, from the manifest's descriptor set (loaded on first use). */
  get contracts(): Contracts {
    this.loadedContracts ??= Contracts.load(this.manifest.contractsFile);
    return this.loadedContracts;
  }

  /** The key ring of sealed event fields; only for services the manifest says hold it. */
  get fieldSeal(): FieldSeal | undefined {
    if (!this.entry.sealedFields) return undefined;
    this.seal ??= FieldSeal.fromEnv(this.env);
    return this.seal;
  }

  /** This service's outbox, sealing sensitive fields when it holds the key ring. */
  get outbox(): Outbox {
    if (!this.entry.publishes) throw new Error(`${this.name} publishes no events in ${this.manifest.source}`);
    return new Outbox(this.name, this.fieldSeal);
  }

  /** The service's place on the event backbone; only for services that publish or consume. */
  get events(): ServiceEvents {
    if (!this.joinedEvents) throw new Error(`${this.name} neither publishes nor consumes events in ${this.manifest.source}`);
    return this.joinedEvents;
  }

  /** A typed client of another service, carrying this service's credentials. */
  client<T extends DescService>(service: T): Client<T> {
    return createServiceClient(service, { policy: this.policy, manifest: this.manifest, env: this.env, interceptors: [serviceTokenInterceptor((this.issuer ??= createServiceTokenIssuer(this.name, this.serviceSecret)))] });
  }

  /** Registers cleanup run after the server has drained (reverse order of registration). */
  onShutdown(step: ShutdownStep): void {
    this.shutdownSteps.push(step);
  }

  /** Creates, migrates and opens the service's database; probed by /readyz, closed at shutdown. */
  async openDatabase(declaration: DatabaseDeclaration<Db>): Promise<void> {
    const migrationsDir = declaration.migrations instanceof URL ? fileURLToPath(declaration.migrations) : declaration.migrations;
    const prisma = await openDatabase({ service: this.name, migrationsDir, PrismaClient: declaration.client, url: this.databaseUrl, log: this.logger });
    this.openedDatabase = prisma;
    this.readiness.push(postgresReadiness(() => prisma.$queryRaw`SELECT 1`));
    this.onShutdown(() => prisma.$disconnect());
  }

  /** Connects to Redis at REDIS_URL; fails with the address and how to start Redis if unreachable. */
  async openRedis(): Promise<void> {
    const redis = await connectRedis(this.config.redisUrl, this.logger, `${this.redisNamespace}-${this.name}`);
    this.openedRedis = redis;
    this.readiness.push(redisReadiness(redis));
    this.onShutdown(() => redis.quit());
  }

  /** Joins the event backbone: event tables, NATS (probed, drained at shutdown), streams provisioned. */
  async joinEvents(): Promise<void> {
    this.joinedEvents = await ServiceEvents.join(this);
  }

  /** Closes what was opened (reverse order): after a failed start, or when a tool is done with it. */
  async close(): Promise<void> {
    for (const step of [...this.shutdownSteps].reverse()) {
      try {
        await step();
      } catch (error) {
        this.logger.warn({ err: error }, "closing a dependency failed");
      }
    }
  }
}

function hostConfig(env: NodeJS.ProcessEnv) {
  return loadConfig(
    {
      manifestFile: envString("JUNCTION_MANIFEST_FILE", REPOSITORY_FILE("manifest.yaml")),
      policyFile: envString("JUNCTION_POLICY_FILE", REPOSITORY_FILE("policy.yaml")),
      redisUrl: envUrl("REDIS_URL", "redis://127.0.0.1:6379"),
      jwksUrl: envString("JUNCTION_JWKS_URL", ""),
    },
    env,
  );
}
