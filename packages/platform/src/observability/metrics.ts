// Prometheus metrics shared by every part of the platform, served on each service's /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The process-wide registry behind /metrics. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Server-side RPC latency by method and result code. */
export const rpcServerDuration = new Histogram({
  name: "junction_rpc_server_duration_seconds",
  help: "Time to serve an RPC, by service, method and gRPC code.",
  labelNames: ["service", "method", "code"] as const,
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

/** Client-side RPC latency (all attempts) by upstream, method and result code. */
export const rpcClientDuration = new Histogram({
  name: "junction_rpc_client_duration_seconds",
  help: "Time for an outgoing RPC including retries, by upstream, method and gRPC code.",
  labelNames: ["upstream", "service", "method", "code"] as const,
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

/** Retries made by clients. */
export const rpcClientRetries = new Counter({
  name: "junction_rpc_client_retries_total",
  help: "Retry attempts made by clients, by upstream and method.",
  labelNames: ["upstream", "method"] as const,
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
