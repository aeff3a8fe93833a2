// The parts of the Envoy configuration that the policy file does not govern: where Envoy listens
// in the compose deployment, where it finds its inputs, and the edge's own protections (CORS,
// a coarse rate limit, health-check cadence). docker-compose.yml and the tests read the same
// values, so a port or path is spelled once.
import { cors as connectCors } from "@connectrpc/connect";
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from "../identity/access-tokens.js";

/** Ports and paths of the compose deployment. */
export const envoyDeployment = {
  /** REST, Connect, gRPC and gRPC-Web for outside clients; published by compose. */
  publicPort: 8080,
  /** Service-to-service gRPC; reachable only on the compose network. */
  internalPort: 9090,
  /** Envoy's admin interface (stats, clusters, config dump). */
  adminPort: 9901,
  /** Where compose mounts envoy/descriptors.binpb inside the Envoy container. */
  descriptorPath: "/etc/envoy/descriptors.binpb",
  /** Where compose mounts envoy/envoy.yaml inside the Envoy container. */
  configPath: "/etc/envoy/envoy.yaml",
} as const;

/** The host name of an upstream on the compose network: its compose service is named after it. */
export function upstreamHost(upstream: string): string {
  return upstream;
}

/** How Envoy checks access tokens: auth's key set, the same issuer and audience the services verify. */
export const accessTokenChecks = {
  provider: "junction_auth",
  issuer: ACCESS_TOKEN_ISSUER,
  audience: ACCESS_TOKEN_AUDIENCE,
  /** Served by auth on its port (the same document GetJwks returns through the edge). */
  jwksPath: "/.well-known/jwks.json",
  jwksCacheDuration: "300s",
  jwksFetchTimeout: "2s",
} as const;

/** CORS as the TypeScript edge answers it: any origin (tokens travel in headers, never cookies). */
export const corsSettings = {
  allowOrigin: "*",
  allowMethods: "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  allowHeaders: [...connectCors.allowedHeaders, "Authorization", "X-Request-Id", "Idempotency-Key"].join(", "),
  exposeHeaders: [...connectCors.exposedHeaders, "X-Request-Id", "Retry-After", "X-Junction-Rate-Limit"].join(", "),
  maxAge: "7200",
} as const;

/**
 * Envoy's local rate limit: one token bucket for the whole public listener, a ceiling that keeps
 * a flood off the services. Per-client and per-user limits need shared state (the TypeScript
 * edge keeps them in Redis); Envoy would need its global rate-limit service for those.
 */
export const edgeRateLimit = {
  maxTokens: 400,
  tokensPerFill: 200,
  fillInterval: "1s",
  /** Seconds a limited client is told to wait: one fill interval. */
  retryAfterSeconds: 1,
} as const;

/** Active gRPC health checking of every upstream. */
export const healthCheckSettings = {
  interval: "5s",
  timeout: "1s",
  unhealthyThreshold: 3,
  healthyThreshold: 1,
} as const;

/** TCP connect timeout to an upstream; a refused or slow connect is retried as never delivered. */
export const upstreamConnectTimeout = "1s";
