// Prometheus metrics shared by every part of the platform, served on each service's /metrics.
// Labels name what they hold: `rpc_service` and `rpc_method` are the protobuf service and method
// (never `service`, which scrape configs use for the target), `upstream` the called service.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The process-wide registry behind /metrics. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Server-side RPC latency by method and result code. */
export const rpcServerDuration = new Histogram({
  name: "junction_rpc_server_duration_seconds",
  help: "Time to serve an RPC, by protobuf service, method and gRPC code.",
  labelNames: ["rpc_service", "rpc_method", "code"] as const,
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

/** Records one served call in rpcServerDuration; `code` is the gRPC code's name (as callObservation names it: "OK", "Unauthenticated", ...). */
export function observeServerCall(rpcService: string, rpcMethod: string, code: string, seconds: number): void {
  rpcServerDuration.observe({ rpc_service: rpcService, rpc_method: rpcMethod, code }, seconds);
}

/** Requests an edge refused for a rate limit, by the limit hit; no service saw them, so no RPC metric has them. */
export const edgeRateLimited = new Counter({
  name: "junction_edge_rate_limited_total",
  help: "Requests the edge answered 429 (RESOURCE_EXHAUSTED) for a rate limit, by the limit hit (client or user).",
  labelNames: ["limit"] as const,
  registers: [metricsRegistry],
});

/** Client-side RPC latency (all attempts) by upstream, method and result code. */
export const rpcClientDuration = new Histogram({
  name: "junction_rpc_client_duration_seconds",
  help: "Time for an outgoing RPC including retries, by upstream, protobuf service, method and gRPC code.",
  labelNames: ["upstream", "rpc_service", "rpc_method", "code"] as const,
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

/** Retries made by clients. */
export const rpcClientRetries = new Counter({
  name: "junction_rpc_client_retries_total",
  help: "Retry attempts made by clients, by upstream and method.",
  labelNames: ["upstream", "rpc_method"] as const,
  registers: [metricsRegistry],
});

/** Retries refused because the retry budget was spent. */
export const rpcClientRetriesRefused = new Counter({
  name: "junction_rpc_client_retries_refused_total",
  help: "Retries not made because the upstream's retry budget was spent.",
  labelNames: ["upstream"] as const,
  registers: [metricsRegistry],
});

/** Circuit breaker state per upstream: 0 closed, 1 open, 2 half-open, 3 isolated. */
export const breakerState = new Gauge({
  name: "junction_rpc_client_breaker_state",
  help: "Circuit breaker state per upstream: 0 closed, 1 open, 2 half-open, 3 isolated.",
  labelNames: ["upstream"] as const,
  registers: [metricsRegistry],
});

/** Circuit breaker transitions per upstream and the state entered. */
export const breakerTransitions = new Counter({
  name: "junction_rpc_client_breaker_transitions_total",
  help: "Circuit breaker state changes per upstream, by the state entered.",
  labelNames: ["upstream", "state"] as const,
  registers: [metricsRegistry],
});

/** Always 1; its labels say what runs: the process's name, Junction's version, Node's version. */
export const buildInfo = new Gauge({
  name: "junction_build_info",
  help: "What runs in this process: name, version and Node.js version (always 1).",
  labelNames: ["name", "version", "nodejs"] as const,
  registers: [metricsRegistry],
});

/** Records what this process is, once it knows its name. */
export function recordBuildInfo(name: string, version: string): void {
  buildInfo.set({ name, version, nodejs: process.versions.node }, 1);
}
