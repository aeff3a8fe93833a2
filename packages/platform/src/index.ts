// @junction/platform: the runtime a service is hosted by. It knows no particular service: a
// service declares what it is (defineService) and the manifest says where it runs; the runtime
// does the rest. This file is the whole public face; everything else is internal.
// docs/platform.md is the guide.

// Hosting: a service declares itself, the runtime starts, wires and stops it.
export { defineService, subscribe, type DatabaseDeclaration, type IdentityDeclaration, type ServiceDeclaration, type StreamSubscription } from "./host/service-declaration.js";
export { ServiceHost, type HostOptions } from "./host/service-host.js";
export { runService, startService, type RunningService } from "./host/start-service.js";

// The topology, the contracts and the communication policy.
export { allowsAnonymous, Contracts, ContractsError } from "./contracts/contracts.js";
export { Manifest, ManifestError, type ManifestEdge, type ManifestIdentity, type ManifestService } from "./manifest/manifest.js";
export { serviceUrls, servicePort } from "./manifest/addresses.js";
export { CommunicationPolicy, PolicyError, type MethodPolicy, type RetryPolicy, type UpstreamPolicy } from "./policy.js";

// Serving: one port for gRPC, gRPC-Web and Connect, health, reflection, metrics.
export { bind, exitOnSignals, startServiceServer, type HttpHandler, type ServiceBinding, type ServiceServer, type ServiceServerOptions } from "./server/service-server.js";
export { respondTrailersOnly } from "./server/trailers-only.js";
export { EDGE_CALLER, EDGE_KEY_ENV, EDGE_KEY_HEADER, edgeKeyFromEnv } from "./identity/edge-key.js";
export { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, idempotencyTtlMs, withIdempotencyKeys } from "./server/idempotency-keys.js";
export { callerProtocol, sendCallerError, sendRestError } from "./server/caller-error.js";
export { connectionTimeouts, DEFAULT_CONNECTION_TIMEOUTS, type ConnectionTimeouts } from "./server/connection-timeouts.js";
export { REQUEST_ID_HEADER } from "./server/call-observation.js";
export { inboundTimeoutMs } from "./server/inbound-deadline.js";
export { Health, HealthRegistry } from "./server/health.js";

// Calling other services: deadlines, safe retries, circuit breakers.
export { createServiceClient, createUpstreamTransport, type UpstreamOptions } from "./client.js";
export type { WireProtocol } from "./wire-protocol.js";
export { isUnavailable, withFallback } from "./resilience/fallback.js";
export { circuitBreakerStates } from "./resilience/circuit-breakers.js";
export { currentCallContext, remainingBudgetMs, runInCallContext, type CallContext } from "./call-context.js";

// The edge contract both edges implement (the TypeScript edge and the Envoy render): REST
// routes from google.api.http, errors as HTTP and JSON, the edge's own answers and limits.
export { compilePathTemplate, PathTemplateError, type PathTemplate, type TemplateVariable } from "./edge/path-template.js";
export { RouteTable, type RestRoute, type RouteMatch } from "./edge/route-table.js";
export { asClientError, errorBody, httpStatusOf } from "./edge/http-errors.js";
export { BODY_TOO_LARGE_REASON, BODY_TOO_LARGE_STATUS, edgeReplies, MAX_REQUEST_BODY_BYTES, RATE_LIMIT_NAME_HEADER, type RateLimitName } from "./edge/edge-replies.js";
export { DEFAULT_EDGE_RATE_LIMITS, edgeRateLimitsFromEnv, type EdgeRateLimits } from "./edge/rate-limits.js";
export { GRPC_HEALTH_PREFIX, isOperationalPath, OPERATIONAL_PATHS } from "./edge/operational-routes.js";
export { allowedOrigins, corsSettings, noOrigins, originAllowed, ORIGIN_PATTERNS, type AllowedOrigins } from "./edge/cors.js";
export { OPENAPI_DOCUMENT } from "./edge/openapi-document.js";

// Errors with google.rpc details; what counts as an outage.
export { describeError, failureKind, type FailureKind } from "./failure-kind.js";
export { hasUnsafeCharacters, UNSAFE_CHARACTERS, UNSAFE_CHARACTERS_IN_TEXT } from "./text-characters.js";
export { domainError, ERROR_DOMAIN, errorReason, FieldViolations, fieldViolations, invalidArgument, RETRY_AFTER_SECONDS, unavailable, type FieldViolation } from "./errors.js";

// Identity: access tokens, sessions, service credentials, the caller.
export { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, accessTokenErrors, createAccessTokenVerifier, type AccessTokenClaims, type AccessTokenVerifier } from "./identity/access-tokens.js";
export { callingService, currentUser, identityInterceptors, requireRole, requireUser, type RoleName } from "./identity/caller.js";
export { SessionRegistry, sessionCheckInterceptor, type SessionRecord } from "./identity/sessions.js";
export { createServiceTokenIssuer, SERVICE_TOKEN_HEADER, serviceSecretFromEnv, serviceTokenInterceptor } from "./identity/service-credentials.js";

// Data: PostgreSQL through Prisma, Redis, caches, pages.
export { openDatabase, type PrismaClientClass } from "./data/prisma.js";
export { connectPostgres, databaseName, databaseUrl, ensureDatabase, quoteIdentifier } from "./data/database.js";
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
export { extractTraceContext, initTracing, injectTraceContext, passThroughTraceparent, shutdownTracing, tracer, tracingEnabled } from "./observability/tracing.js";
export { endServerSpan, publicEdgeTraceStart } from "./observability/public-trace.js";
export { accessLogLevel, logAccess, type AccessEntry } from "./observability/access-log.js";
export { edgeRateLimited, metricsRegistry, observeServerCall, recordBuildInfo } from "./observability/metrics.js";
export { PLATFORM_VERSION } from "./version.js";
export { declareSensitiveFields, redactSecrets, SECRET_HEADERS } from "./observability/redaction.js";
export { redisReadiness, type ReadinessCheck } from "./readiness.js";
export { NATS_START_HINT, POSTGRES_START_HINT, REDIS_START_HINT } from "./start-hints.js";
