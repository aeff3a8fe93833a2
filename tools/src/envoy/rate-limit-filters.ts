// The edge's rate limits in Envoy: local_ratelimit with dynamic descriptors, one token bucket per
// client address and one per signed-in user, each holding a minute's allowance and refilled whole
// every minute (the TypeScript edge's fixed one-minute windows). Same numbers as the TypeScript
// edge (edge-rate-limits.ts). The user comes from the verified token's `sub` that jwt_authn puts in
// dynamic metadata, never from a header a client could set.
import { type EdgeRateLimits, RATE_LIMIT_NAME_HEADER, type RateLimitName } from "@junction/platform";
import { alwaysOn, namedExtension, typedConfig, type EnvoyJson } from "./envoy-values.js";

/** Where jwt_authn puts the verified token's payload, under its own filter name. */
export const JWT_PAYLOAD_METADATA = { filter: "envoy.filters.http.jwt_authn", key: "jwt_payload" } as const;

/** Seconds between refills: each bucket holds one minute's allowance. */
export const RATE_LIMIT_WINDOW_SECONDS = 60;

/** How many clients (or users) Envoy keeps a bucket for at once; the least recently seen is dropped first. */
export const MAX_RATE_LIMITED_KEYS = 10_000;

// One bucket per distinct descriptor value: an entry without a value is a wildcard, so every
// client address (or user) gets a bucket of its own.
function perKeyLimit(limit: RateLimitName, descriptorKey: string, action: EnvoyJson, perMinute: number): EnvoyJson {
  const statPrefix = `rate_limit_per_${limit}`;
  const minute = { max_tokens: perMinute, tokens_per_fill: perMinute, fill_interval: `${RATE_LIMIT_WINDOW_SECONDS}s` };
  return namedExtension("envoy.filters.http.local_ratelimit", "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", {
    stat_prefix: statPrefix,
    // Both default to 0%: without them the filter would neither count nor limit.
    filter_enabled: alwaysOn(`${statPrefix}.enabled`),
    filter_enforced: alwaysOn(`${statPrefix}.enforced`),
    rate_limits: [{ actions: [action] }],
    descriptors: [{ entries: [{ key: descriptorKey }], token_bucket: minute }],
    max_dynamic_descriptors: MAX_RATE_LIMITED_KEYS,
    // Only the descriptor's bucket counts; there is no shared default bucket to drain.
    always_consume_default_token_bucket: false,
    // gRPC callers get RESOURCE_EXHAUSTED, as from the TypeScript edge, not UNAVAILABLE.
    rate_limited_as_resource_exhausted: true,
    // Names the limit (for the local reply to pick its message, and for the client), as the TypeScript edge does.
    response_headers_to_add: [{ header: { key: RATE_LIMIT_NAME_HEADER, value: limit }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }],
  });
}

/** The per-client limit, early in the public chain so a flood is shed before any work; undefined when disabled. */
export function perClientRateLimitFilter(limits: EdgeRateLimits): EnvoyJson | undefined {
  if (limits.perClientPerMinute <= 0) return undefined;
  return perKeyLimit("client", "remote_address", { remote_address: {} }, limits.perClientPerMinute);
}

/** The per-user limit, after jwt_authn; requests without a verified token have no user and pass it. Undefined when disabled. */
export function perUserRateLimitFilter(limits: EdgeRateLimits): EnvoyJson | undefined {
  if (limits.perUserPerMinute <= 0) return undefined;
  const user = {
    metadata: {
      descriptor_key: "user",
      metadata_key: { key: JWT_PAYLOAD_METADATA.filter, path: [{ key: JWT_PAYLOAD_METADATA.key }, { key: "sub" }] },
      source: "DYNAMIC",
      skip_if_absent: true,
    },
  };
  return perKeyLimit("user", "user", user, limits.perUserPerMinute);
}

/** Both local_ratelimit filters share this name, so one per-route setting covers both limits. */
export const RATE_LIMIT_FILTER = "envoy.filters.http.local_ratelimit";

/** The per-route setting of a route no limit counts (operational routes): both filters are skipped there. */
export function rateLimitsExempt(): EnvoyJson {
  return typedConfig("envoy.config.route.v3.FilterConfig", { disabled: true });
}
