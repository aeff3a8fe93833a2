// The parts of the Envoy configuration that neither the policy file nor the deployment's addresses
// govern: how tokens are checked and the health-check cadence. (CORS, which both edges answer
// alike, is in the runtime's edge contract.)
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from "@junction/platform";

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
