// The routes operators and orchestrators use, not clients: probes, metrics and gRPC health. Both
// edges let them through without a user token and without counting them against any rate limit:
// a probe must not fail because clients flooded the edge, nor be refused because it has no user.
// (Envoy serves its own on the admin port; its public listener exempts the same paths.)

/** Plain-HTTP operational paths a Junction server answers on its port. */
export const OPERATIONAL_PATHS = ["/healthz", "/readyz", "/metrics"] as const;

/** The gRPC path prefix of grpc.health.v1 (Check, List, Watch). */
export const GRPC_HEALTH_PREFIX = "/grpc.health.v1.Health/";

/** Whether a request path (query string allowed) is an operational route. */
export function isOperationalPath(url: string): boolean {
  const path = url.split("?")[0]!;
  return (OPERATIONAL_PATHS as readonly string[]).includes(path) || path.startsWith(GRPC_HEALTH_PREFIX);
}
