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
        const res = await createClient(Health, transport).check({ service: "" }, { timeoutMs: 500 });
        status = HealthCheckResponse_ServingStatus[res.status] ?? "UNKNOWN";
      } catch (error) {
        status = `UNREACHABLE: ${(error as Error).message}`;
      }
      return [name, { status, breaker: breakers[name] ?? "closed" }] as const;
    }),
  );
  return Object.fromEntries(entries);
}
