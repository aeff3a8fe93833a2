// The route that serves the OpenAPI document (contracts/openapi.json) at GET /openapi.json: Envoy
// answers it from the committed file, read when the config loads, so both edges serve the same
// bytes. No token is checked and no rate limit counts it, as at the TypeScript edge.
import { OPENAPI_DOCUMENT } from "@junction/platform";
import { typedConfig, type EnvoyJson } from "./envoy-values.js";
import { JWT_FILTER, jwtDisabled } from "./jwt-authn-filter.js";

/** Envoy's limit on a direct response body (its default is 4 KiB): room for the document to grow. */
export const MAX_DIRECT_RESPONSE_BYTES = 1024 * 1024;

/** The rate limit filters' name (both the per-client and the per-user one): disabled on this route. */
const RATE_LIMIT_FILTER = "envoy.filters.http.local_ratelimit";

/** GET /openapi.json, answered from the file at its repository path (relative to Envoy's working directory). */
export function renderOpenApiRoute(): EnvoyJson {
  return {
    name: "openapi",
    match: { path: OPENAPI_DOCUMENT.urlPath, headers: [{ name: ":method", string_match: { exact: "GET" } }] },
    direct_response: { status: 200, body: { filename: OPENAPI_DOCUMENT.file } },
    response_headers_to_add: [{ header: { key: "content-type", value: "application/json" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }],
    typed_per_filter_config: {
      [JWT_FILTER]: jwtDisabled(),
      [RATE_LIMIT_FILTER]: typedConfig("envoy.config.route.v3.FilterConfig", { disabled: true }),
    },
  };
}
