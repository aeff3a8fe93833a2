// @junction/platform: the runtime a service is hosted by. It knows no particular service: a
// service declares what it is (defineService) and the manifest says where it runs; the runtime
// does the rest. This file is the whole public face; everything else is internal.
// docs/platform.md is the guide.

// Hosting: a service declares itself, the runtime starts, wires and stops it.
export { defineService, subscribe, type DatabaseDeclaration, type IdentityDeclaration, type ServiceDeclaration, type StreamSubscription } from "./host/service-declaration.js";
export { ServiceHost, type HostOptions } from "./host/service-host.js";
export { runService, startService, type RunningService } from "./host/start-service.js";

// The topology and the communication policy.
export { Manifest, ManifestError, type ManifestEdge, type ManifestIdentity, type ManifestService } from "./manifest/manifest.js";
export { serviceUrls, servicePort } from "./manifest/addresses.js";
export { CommunicationPolicy, PolicyError, type MethodPolicy, type RetryPolicy, type UpstreamPolicy } from "./policy.js";

// Serving: one port for gRPC, gRPC-Web and Connect, health, reflection, metrics.
export { bind, startServiceServer, type HttpHandler, type ServiceBinding, type ServiceServer, type ServiceServerOptions } from "./server/service-server.js";
export { REQUEST_ID_HEADER } from "./server/call-observation.js";
export { Health, HealthRegistry } from "./server/health.js";

// Calling other services: deadlines, safe retries, circuit breakers.
export { createServiceClient, createUpstreamTransport, type UpstreamOptions } from "./client.js";
export { isUnavailable, withFallback } from "./resilience/fallback.js";
export { circuitBreakerStates } from "./resilience/circuit-breakers.js";
export { currentCallContext, remainingBudgetMs, runInCallContext, type CallContext } from "./call-context.js";

// Errors with google.rpc details.
export { domainError, ERROR_DOMAIN, errorReason, FieldViolations, fieldViolations, invalidArgument, RETRY_AFTER_SECONDS, unavailable, type FieldViolation } from "./errors.js";

// Identity: access tokens, sessions, service credentials, the caller.
export { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, createAccessTokenVerifier, type AccessTokenClaims, type AccessTokenVerifier } from "./identity/access-tokens.js";
export { callingService, currentUser, requireRole, requireUser, type RoleName } from "./identity/caller.js";
export { SessionRegistry, sessionCheckInterceptor, type SessionRecord } from "./identity/sessions.js";
export { createServiceTokenIssuer, SERVICE_TOKEN_HEADER, serviceTokenInterceptor } from "./identity/service-credentials.js";

// Data: PostgreSQL through Prisma, Redis, caches, pages.
export { openDatabase, type PrismaClientClass } from "./data/prisma.js";
export { connectPostgres, databaseUrl, ensureDatabase, quoteIdentifier } from "./data/database.js";
export { connectRedis } from "./redis.js";
export { redisKey, redisNamespace } from "./redis-keys.js";
export { ReadThroughCache, type CacheCodec, type CacheRead, type ReadThroughCacheOptions } from "./cache.js";
export { decodePageToken, encodePageToken, type PagePosition } from "./page-token.js";

// Events: transactional outbox, JetStream, idempotent consumers, dead letters.
export * from "./events/index.js";

// Configuration, logs, traces.
export { ConfigError, DEVELOPMENT_MODE_ENV, developmentMode, envBool, envEnum, envInt, envPort, envString, envUrl, envUrlList, loadConfig } from "./config.js";
export { envDuration } from "./env-duration.js";
export { formatSeconds, parseDuration } from "./duration.js";
export { createLogger, type Logger } from "./logger.js";
export { initTracing, shutdownTracing } from "./observability/tracing.js";
export { declareSensitiveFields, redactSecrets, SECRET_HEADERS } from "./observability/redaction.js";
export { redisReadiness, type ReadinessCheck } from "./readiness.js";
