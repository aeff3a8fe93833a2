// The parts of the Envoy configuration that neither the policy file nor the deployment's addresses
// govern: how tokens are checked, the edge's CORS answers and the health-check cadence. The
// TypeScript edge and the tests read the same values, so each is spelled once.
import { cors as connectCors } from "@connectrpc/connect";
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from "../identity/access-tokens.js";

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

/** CORS as both edges answer it; the allowed origins are the deployment's (JUNCTION_EDGE_CORS_ORIGINS). */
export const corsSettings = {
  allowMethods: "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  allowHeaders: [...connectCors.allowedHeaders, "Authorization", "X-Request-Id", "Idempotency-Key"].join(", "),
  exposeHeaders: [...connectCors.exposedHeaders, "X-Request-Id", "Retry-After", "X-Junction-Rate-Limit"].join(", "),
  maxAge: "7200",
} as const;

/** Allowed CORS origins from JUNCTION_EDGE_CORS_ORIGINS' value: "*" (any; tokens travel in headers, never cookies) or a comma-separated list. */
export function corsOriginsOf(value: string | undefined): "*" | string[] {
  const origins = (value ?? "*").split(",").map((origin) => origin.trim()).filter(Boolean);
  return origins.length === 0 || origins.includes("*") ? "*" : origins;
}

/**
 * Active gRPC health checking of every upstream. A host that is down is checked every second, so
 * one that comes back (or starts after Envoy) takes traffic within a second; without
 * no_traffic_interval Envoy would check a cluster that has not seen traffic yet once a minute.
 */
export const healthCheckSettings = {
  interval: "5s",
  unhealthyInterval: "1s",
  noTrafficInterval: "5s",
  timeout: "1s",
  unhealthyThreshold: 3,
  healthyThreshold: 1,
} as const;

/** TCP connect timeout to an upstream; a refused or slow connect is retried as never delivered. */
export const upstreamConnectTimeout = "1s";
