// CORS for browser clients of the public listener (REST, Connect and gRPC-Web), with the same
// answers the TypeScript edge gives. Envoy reads the policy from the route configuration; the
// filter in the chain only applies it.
import { corsSettings } from "@junction/platform";
import { namedExtension, typedConfig, type EnvoyJson } from "./envoy-values.js";

/** The cors filter's name, also the key of its per-route policy. */
export const CORS_FILTER = "envoy.filters.http.cors";

/** The CORS policy for `origins`, set on the public virtual host. */
export function corsPolicy(origins: "*" | readonly string[]): EnvoyJson {
  return typedConfig("envoy.extensions.filters.http.cors.v3.CorsPolicy", {
    // An exact "*" matches every origin in Envoy's cors filter.
    allow_origin_string_match: (origins === "*" ? ["*"] : origins).map((origin) => ({ exact: origin })),
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
