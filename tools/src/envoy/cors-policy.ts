// CORS for browser clients of the public listener (REST, Connect and gRPC-Web), with the same
// answers the TypeScript edge gives. Envoy reads the policy from the route configuration; the
// filter in the chain only applies it.
import { type AllowedOrigins, corsSettings, noOrigins, ORIGIN_PATTERNS } from "@junction/platform";
import { namedExtension, typedConfig, type EnvoyJson } from "./envoy-values.js";

/** The cors filter's name, also the key of its per-route policy. */
export const CORS_FILTER = "envoy.filters.http.cors";

/** The CORS policy for `origins`, set on the public virtual host; none when no origin may call. */
export function corsPolicy(origins: AllowedOrigins): EnvoyJson | undefined {
  if (noOrigins(origins)) return undefined;
  return typedConfig("envoy.extensions.filters.http.cors.v3.CorsPolicy", {
    allow_origin_string_match: originMatchers(origins),
    allow_methods: corsSettings.allowMethods,
    allow_headers: corsSettings.allowHeaders,
    expose_headers: corsSettings.exposeHeaders,
    max_age: corsSettings.maxAge,
    allow_credentials: false,
  });
}

/** The cors filter for the public listener's chain. */
export function corsFilter(): EnvoyJson {
  return namedExtension(CORS_FILTER, "envoy.extensions.filters.http.cors.v3.Cors");
}

/** Envoy string matchers, one per allowed origin or pattern; empty when no origin may call. */
export function originMatchers(origins: AllowedOrigins): EnvoyJson[] {
  // Envoy's safe_regex matches the whole origin, as the TypeScript edge's anchored patterns do.
  const patterns = [...(origins.anyWebOrigin ? [ORIGIN_PATTERNS.anyWebOrigin] : []), ...(origins.localhost ? [ORIGIN_PATTERNS.localhost] : [])];
  return [...origins.exact.map((origin) => ({ exact: origin })), ...patterns.map((regex) => ({ safe_regex: { regex } }))];
}
