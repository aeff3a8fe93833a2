// One Envoy cluster per Junction service, speaking HTTP/2 (h2c) to its one port. The policy's
// breaker becomes outlier detection (an endpoint failing consecutively, or failing too large a
// share of calls in the window, is ejected for halfOpenAfter) and its retry budget becomes the
// circuit breaker's retry_budget. Active gRPC health checks take endpoints out before calls fail.
import { formatSeconds, type UpstreamPolicy } from "@junction/platform";
import { healthCheckSettings, upstreamConnectTimeout } from "./deployment-settings.js";
import type { UpstreamEndpoint } from "./envoy-deployment.js";
import { percentOf, typedConfig, type EnvoyJson } from "./envoy-values.js";
import { NO_UPSTREAM_CLUSTER } from "./route-table.js";

/** Outlier detection from the policy's breaker: Envoy's form of the clients' circuit breaker. */
export function renderOutlierDetection(upstream: UpstreamPolicy): EnvoyJson {
  const { breaker } = upstream;
  const halfOpenAfter = formatSeconds(breaker.halfOpenAfter);
  return {
    // gRPC statuses count as their HTTP mapping: UNAVAILABLE and DEADLINE_EXCEEDED are gateway
    // failures, INTERNAL and UNKNOWN are 5xx; refused connections count as both.
    consecutive_5xx: breaker.consecutiveFailures,
    consecutive_gateway_failure: breaker.consecutiveFailures,
    enforcing_consecutive_5xx: 100,
    // Envoy enforces gateway-failure ejection at 0% unless told otherwise.
    enforcing_consecutive_gateway_failure: 100,
    interval: formatSeconds(breaker.window),
    // Every ejection lasts halfOpenAfter, like an open breaker; Envoy would otherwise lengthen repeats.
    base_ejection_time: halfOpenAfter,
    max_ejection_time: halfOpenAfter,
    max_ejection_percent: 100,
    // The failure ratio over the window, counted once the window saw minimumRps calls per second.
    // Envoy takes whole percents here.
    failure_percentage_threshold: Math.round(percentOf(breaker.failureRatio)),
    failure_percentage_request_volume: Math.ceil(breaker.minimumRps * (breaker.window / 1000)),
    failure_percentage_minimum_hosts: 1,
    enforcing_failure_percentage: 100,
  };
}

/** Circuit-breaker thresholds: the policy's retry budget caps retries at a share of active requests. */
export function renderCircuitBreakers(upstream: UpstreamPolicy): EnvoyJson {
  return {
    thresholds: [
      {
        priority: "DEFAULT",
        retry_budget: {
          budget_percent: { value: percentOf(upstream.retryBudget.ratio) },
          // Retries always allowed however little traffic there is, like the clients' minPerSecond.
          // Envoy counts concurrent retries, not a rate: the nearest equivalent, in whole retries.
          min_retry_concurrency: Math.ceil(upstream.retryBudget.minPerSecond),
        },
        track_remaining: true,
      },
    ],
  };
}

/** The active health check: grpc.health.v1 Check for the upstream's service. */
export function renderHealthCheck(serviceName: string): EnvoyJson {
  return {
    timeout: healthCheckSettings.timeout,
    interval: healthCheckSettings.interval,
    unhealthy_interval: healthCheckSettings.unhealthyInterval,
    no_traffic_interval: healthCheckSettings.noTrafficInterval,
    unhealthy_threshold: healthCheckSettings.unhealthyThreshold,
    healthy_threshold: healthCheckSettings.healthyThreshold,
    grpc_health_check: { service_name: serviceName },
    always_log_health_check_failures: true,
  };
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

// Addresses need no DNS; compose host names are resolved (and re-resolved) by Envoy.
function discovery(endpoints: readonly UpstreamEndpoint[]): EnvoyJson {
  return endpoints.every((endpoint) => IPV4.test(endpoint.host)) ? { type: "STATIC" } : { type: "STRICT_DNS", dns_lookup_family: "V4_ONLY" };
}

/** The cluster of one upstream at `endpoints`; `healthService` is the service name its health check asks about. */
export function renderCluster(upstream: UpstreamPolicy, healthService: string, endpoints: readonly UpstreamEndpoint[]): EnvoyJson {
  return {
    name: upstream.name,
    ...discovery(endpoints),
    connect_timeout: upstreamConnectTimeout,
    lb_policy: "ROUND_ROBIN",
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": typedConfig("envoy.extensions.upstreams.http.v3.HttpProtocolOptions", {
        explicit_http_config: { http2_protocol_options: {} },
      }),
    },
    load_assignment: {
      cluster_name: upstream.name,
      endpoints: [{ lb_endpoints: endpoints.map(({ host, port }) => ({ endpoint: { address: { socket_address: { address: host, port_value: port } } } })) }],
    },
    // With every endpoint ejected or unhealthy, fail fast (UNAVAILABLE) like an open breaker,
    // instead of Envoy's panic mode sending traffic to them anyway.
    common_lb_config: { healthy_panic_threshold: { value: 0 } },
    circuit_breakers: renderCircuitBreakers(upstream),
    outlier_detection: renderOutlierDetection(upstream),
    health_checks: [renderHealthCheck(healthService)],
  };
}

/** The cluster without endpoints that NO_UPSTREAM_CLUSTER routes name. */
export function renderNoUpstreamCluster(): EnvoyJson {
  return {
    name: NO_UPSTREAM_CLUSTER,
    type: "STATIC",
    connect_timeout: upstreamConnectTimeout,
    load_assignment: { cluster_name: NO_UPSTREAM_CLUSTER, endpoints: [] },
  };
}
