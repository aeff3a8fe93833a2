// What a service is, declared by the service and hosted by the runtime (start-service.ts): its
// database, how its domain is built from what the host opened, its RPCs, its event handlers per
// consumed stream, and the identity checks it opts out of. Where it runs, what it serves publicly
// or internally and which streams it reads come from the manifest, never from here.
import type { AccessTokenVerifier } from "../identity/access-tokens.js";
import type { EventConsumer, TransactionRunner } from "../events/event-consumer.js";
import type { SqlTransaction } from "../events/outbox.js";
import type { PrismaClientClass } from "../data/prisma.js";
import type { HttpHandler, ServiceBinding } from "../server/service-server.js";
import type { ServiceHost } from "./service-host.js";

/** A database client the host can migrate, probe and close. */
export interface DatabaseClient {
  $disconnect(): Promise<void>;
  $queryRaw: (query: TemplateStringsArray) => Promise<unknown>;
}

/** A service's own database: its generated Prisma client and its migrations folder. */
export interface DatabaseDeclaration<Db extends DatabaseClient> {
  readonly client: PrismaClientClass<Db>;
  /** The `prisma/migrations` folder (a file URL or path), applied at start. */
  readonly migrations: URL | string;
}

/** How a service handles one consumed stream. */
export interface StreamSubscription<Ctx> {
  /** Registers the handlers on the stream's durable consumer. */
  register(consumer: EventConsumer<SqlTransaction>, ctx: Ctx): void;
  /** The transactions deliveries run in; the service's database by default. */
  transactions?(ctx: Ctx): TransactionRunner<SqlTransaction>;
  /** Deliveries per transaction (default 1); only for handlers that write nothing but through it. */
  readonly batchSize?: number;
}

/** Identity checks, on by default; a service opts out here, visibly. */
export interface IdentityDeclaration<Ctx> {
  /**
   * Refuse tokens whose session was revoked (logout, deactivation, reuse). On by default;
   * `false` is for services that have no signed-in users.
   */
  readonly sessionCheck?: false;
  /** Verifies access tokens; default: the issuer's JWKS (JUNCTION_JWKS_URL). The issuer itself checks its own keys. */
  verifier?(ctx: Ctx): AccessTokenVerifier;
}

/** Everything the host needs to run a service. */
export interface ServiceDeclaration<Ctx, Db extends DatabaseClient = DatabaseClient> {
  /** Its name in the manifest. */
  readonly name: string;
  readonly database?: DatabaseDeclaration<Db>;
  /** Whether the domain uses Redis itself (the host opens it anyway for sessions and Idempotency-Key answers, unless the session check is off). */
  readonly redis?: boolean;
  readonly identity?: IdentityDeclaration<Ctx>;
  /** Builds the domain from what the host opened: database, Redis, clients, events. */
  domain(host: ServiceHost<Db>): Promise<Ctx> | Ctx;
  /** Handlers of every stream the manifest says it consumes, by producing service. */
  readonly consumes?: Readonly<Record<string, StreamSubscription<Ctx>>>;
  /** Handlers of any other stream the manifest says it consumes: for services that read them all (an audit log). */
  consumesOther?(stream: string): StreamSubscription<Ctx>;
  /** Runs once the domain and events are up, before the port opens (e.g. making a first key). */
  prepare?(ctx: Ctx): Promise<void> | void;
  /** The RPC implementations, one per protobuf service the manifest lists for it. */
  rpcs(ctx: Ctx): ServiceBinding[];
  /** Plain HTTP GET routes beside the RPCs, by path. */
  httpRoutes?(ctx: Ctx): Record<string, HttpHandler>;
  /** Runs first at shutdown, before in-flight calls drain (e.g. ending live streams). */
  beforeStop?(ctx: Ctx): Promise<void> | void;
}

/** Declares a service; the identity function, there for type inference and a place to read. */
export function defineService<Ctx, Db extends DatabaseClient = DatabaseClient>(declaration: ServiceDeclaration<Ctx, Db>): ServiceDeclaration<Ctx, Db> {
  return declaration;
}

/** A stream subscription with the transaction type of the service's own database. */
export function subscribe<Ctx, Tx extends SqlTransaction>(subscription: {
  register(consumer: EventConsumer<Tx>, ctx: Ctx): void;
  transactions?(ctx: Ctx): TransactionRunner<Tx>;
  batchSize?: number;
}): StreamSubscription<Ctx> {
  return subscription as unknown as StreamSubscription<Ctx>;
}
