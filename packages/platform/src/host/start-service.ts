// Hosting a declared service, in one order, in one place: configuration and manifest entry →
// database → Redis → event backbone → domain → relay and consumers → prepare → the port with its
// identity guards. Shutdown runs the other way. A failed start closes what it had opened.
import { createAccessTokenVerifier, type AccessTokenVerifier } from "../identity/access-tokens.js";
import { identityInterceptors } from "../identity/caller.js";
import { edgeKeyFromEnv } from "../identity/edge-key.js";
import { sessionCheckInterceptor } from "../identity/sessions.js";
import { idempotencyTtlMs, withIdempotencyKeys } from "../server/idempotency-keys.js";
import type { TransactionRunner } from "../events/event-consumer.js";
import type { SqlTransaction } from "../events/outbox.js";
import { serviceUrls } from "../manifest/addresses.js";
import { recordBuildInfo } from "../observability/metrics.js";
import { declareSensitiveFields } from "../observability/redaction.js";
import { PLATFORM_VERSION } from "../version.js";
import { shutdownTracing } from "../observability/tracing.js";
import { onStopSignal, startServiceServer, type ServiceServer } from "../server/service-server.js";
import type { DatabaseClient, ServiceDeclaration } from "./service-declaration.js";
import { ServiceHost, type HostOptions } from "./service-host.js";

/** A hosted service: its server, and the domain behind it for tests and tools. */
export interface RunningService<Ctx> extends ServiceServer {
  readonly context: Ctx;
}

/** Starts `declaration` and resolves once it listens; fails naming an unreachable dependency or a mismatch with the manifest. */
export async function startService<Ctx, Db extends DatabaseClient>(declaration: ServiceDeclaration<Ctx, Db>, options: HostOptions = {}): Promise<RunningService<Ctx>> {
  const host = ServiceHost.create<Db>(declaration.name, options);
  const { entry } = host;
  try {
    assertConsumersMatch(declaration, entry.consumes, host.manifest.source);
    if (declaration.database) await host.openDatabase(declaration.database);
    const sessionCheck = declaration.identity?.sessionCheck !== false;
    // Sessions are checked in Redis, and Idempotency-Key answers kept there.
    const usesRedis = declaration.redis === true || sessionCheck;
    if (usesRedis) await host.openRedis();
    if (entry.publishes || entry.consumes.length > 0) await host.joinEvents();
    const ctx = await declaration.domain(host);

    if (entry.publishes) await host.events.startRelay();
    for (const stream of entry.consumes) {
      const subscription = declaration.consumes?.[stream] ?? declaration.consumesOther!(stream);
      const transactions = subscription.transactions?.(ctx) ?? (host.database as unknown as TransactionRunner<SqlTransaction>);
      await host.events.consume<SqlTransaction>(stream, transactions, (consumer) => subscription.register(consumer, ctx), {
        settings: host.consumerSettings,
        batchSize: subscription.batchSize,
      });
    }
    await declaration.prepare?.(ctx);

    recordBuildInfo(entry.name, PLATFORM_VERSION);
    const declared = declaration.rpcs(ctx);
    const bindings = usesRedis ? withIdempotencyKeys(declared, host.redis, host.redisNamespace, idempotencyTtlMs(host.env)) : declared;
    declareSensitiveFields(bindings.flatMap((b) => b.service.methods.flatMap((m) => [m.input, m.output])));
    assertServesManifestApis(bindings.map((b) => b.service.typeName), [...entry.publicApis, ...entry.internalApis], declaration.name, host.manifest.source);
    const verifier = declaration.identity?.verifier?.(ctx) ?? defaultVerifier(host);
    const server = await startServiceServer({
      name: entry.name,
      port: host.port,
      policy: host.policy,
      logger: host.logger,
      services: bindings,
      interceptors: [
        ...identityInterceptors(host.serviceSecret, verifier, entry.internalApis, edgeKeyFromEnv(host.env, host.serviceSecret)),
        ...(sessionCheck ? [sessionCheckInterceptor(host.sessions)] : []),
      ],
      readiness: host.readiness,
      httpRoutes: declaration.httpRoutes?.(ctx),
    });
    for (const step of host.shutdownSteps) server.onShutdown(step);
    const close = server.close;
    const stop = declaration.beforeStop;
    return Object.assign(server, {
      context: ctx,
      close: stop ? async () => (await stop(ctx), close()) : close,
    });
  } catch (error) {
    // Nothing half-open stays behind: pools and connections opened so far are closed.
    await host.close();
    throw error;
  }
}

/**
 * Runs a service as its process's main: starts it (with `options`, e.g. a test's consumer
 * settings), stops gracefully on SIGTERM/SIGINT, exits 1 with the reason if it cannot start.
 */
export async function runService<Ctx, Db extends DatabaseClient>(declaration: ServiceDeclaration<Ctx, Db>, options: HostOptions = {}): Promise<void> {
  let running: RunningService<Ctx>;
  try {
    running = await startService(declaration, options);
  } catch (error) {
    console.error(`${declaration.name} failed to start: ${(error as Error).message}`);
    process.exit(1);
  }
  const stop = (signal: string) => {
    running.logger.info({ signal }, "shutting down");
    // The tracer provider is the process's: flushed once, when the process ends, not per service.
    running.close().then(shutdownTracing).then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  onStopSignal(stop);
}

function defaultVerifier(host: ServiceHost<DatabaseClient>): AccessTokenVerifier {
  const { issuer, jwksPath } = host.manifest.identity;
  const jwksUrl = host.config.jwksUrl || `${serviceUrls(host.manifest.service(issuer), host.env)[0]}${jwksPath}`;
  return createAccessTokenVerifier({ jwksUrl });
}

function assertConsumersMatch(declaration: ServiceDeclaration<unknown, DatabaseClient>, streams: readonly string[], source: string): void {
  const declared = Object.keys(declaration.consumes ?? {});
  const missing = declaration.consumesOther ? [] : streams.filter((s) => !declared.includes(s));
  const extra = declared.filter((s) => !streams.includes(s));
  if (missing.length > 0) throw new Error(`${source} says ${declaration.name} consumes ${missing.join(", ")}, but it declares no handlers for ${missing.length > 1 ? "them" : "it"}`);
  if (extra.length > 0) throw new Error(`${declaration.name} declares handlers for ${extra.join(", ")}, which ${source} does not say it consumes`);
}

function assertServesManifestApis(bound: string[], declared: string[], name: string, source: string): void {
  const missing = declared.filter((api) => !bound.includes(api));
  const extra = bound.filter((api) => !declared.includes(api));
  if (missing.length > 0) throw new Error(`${source} lists ${missing.join(", ")} for ${name}, which it does not implement`);
  if (extra.length > 0) throw new Error(`${name} implements ${extra.join(", ")}, which ${source} does not list for it`);
}
