// The edge's /healthz: the edge is alive, and here is how every upstream is doing: its
// grpc.health.v1 status (asked with a short deadline) and its circuit breaker's state.
import { createClient, type Transport } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus } from "@junction/gen/health/v1/health_pb";
import { circuitBreakerStates } from "@junction/platform";

/** The health of each upstream, by name. */
export async function upstreamHealth(transports: ReadonlyMap<string, Transport>): Promise<Record<string, { status: string; breaker: string }>> {
  const breakers = circuitBreakerStates();
  const entries = await Promise.all(
    [...transports].map(async ([name, transport]) => {
      let status: string;
      try {
        const res = await createClient(Health, transport).check({ service: "" }, { timeoutMs: 1000 });
        status = HealthCheckResponse_ServingStatus[res.status] ?? "UNKNOWN";
      } catch (error) {
        status = `UNREACHABLE: ${(error as Error).message}`;
      }
      return [name, { status, breaker: breakers[name] ?? "closed" }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * upstreamHealth shared by every /healthz within `maxAgeMs`: the route is not rate limited, so a
 * flood of probes must not become a flood of health checks on the upstreams.
 */
export function recentUpstreamHealth(transports: ReadonlyMap<string, Transport>, maxAgeMs = 1000): () => ReturnType<typeof upstreamHealth> {
  let last: { at: number; report: ReturnType<typeof upstreamHealth> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > maxAgeMs) last = { at: now, report: upstreamHealth(transports) };
    return last.report;
  };
}
