// Access-token checks on the public listener: Envoy verifies the bearer token against auth's JWKS
// before a request reaches a service. Each route says what it needs: the RPCs the contracts mark
// allow_anonymous (register, login, JWKS, ...) take a token but need none, every other RPC needs
// one, and routes Envoy answers itself (404, 405, CORS preflights) check nothing, so an unknown path
// is a 404 with or without a token, as at the TypeScript edge. The token is forwarded, because
// services verify it themselves and never trust an identity Envoy could have asserted for them.
import type { DescMethod } from "@bufbuild/protobuf";
import { allowsAnonymous } from "@junction/platform";
import { accessTokenChecks } from "./deployment-settings.js";
import type { EnvoyDeployment } from "./envoy-deployment.js";
import { namedExtension, typedConfig, type EnvoyJson } from "./envoy-values.js";
import { JWT_PAYLOAD_METADATA } from "./rate-limit-filters.js";

/** The filter's name, also the key of its per-route configuration. */
export const JWT_FILTER = "envoy.filters.http.jwt_authn";

/** The upstream that serves the JWKS. */
export const JWKS_UPSTREAM = "auth";

/** The requirements routes refer to by name. */
export const JWT_REQUIREMENTS = { required: "token_required", optional: "token_optional" } as const;

/** The jwt_authn filter, with the two requirements routes choose from. */
export function jwtAuthnFilter(deployment: EnvoyDeployment): EnvoyJson {
  // Fetched through the auth cluster; the URI's host and port only name the request.
  const auth = deployment.endpoints[JWKS_UPSTREAM]![0]!;
  const provider = {
    issuer: accessTokenChecks.issuer,
    audiences: [accessTokenChecks.audience],
    remote_jwks: {
      http_uri: {
        uri: `http://${auth.host}:${auth.port}${accessTokenChecks.jwksPath}`,
        cluster: JWKS_UPSTREAM,
        timeout: accessTokenChecks.jwksFetchTimeout,
      },
      cache_duration: accessTokenChecks.jwksCacheDuration,
      // Fetched on the main thread before the listener opens (or fails and is refetched), so
      // the first requests do not wait for it.
      async_fetch: { fast_listener: false },
      retry_policy: { num_retries: 3, retry_back_off: { base_interval: "0.25s", max_interval: "2s" } },
    },
    // Only the Authorization header (the default would also accept an access_token query
    // parameter), with the scheme spelled as clients spell it; the TypeScript edge and the
    // services take it in any case.
    from_headers: [
      { name: "authorization", value_prefix: "Bearer " },
      { name: "authorization", value_prefix: "bearer " },
    ],
    forward: true,
    // The verified payload, for the per-user rate limit (its `sub`).
    payload_in_metadata: JWT_PAYLOAD_METADATA.key,
  };
  const required = { provider_name: accessTokenChecks.provider };
  return namedExtension(JWT_FILTER, "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication", {
    providers: { [accessTokenChecks.provider]: provider },
    requirement_map: {
      [JWT_REQUIREMENTS.required]: required,
      // A token is optional, but one that is sent must be valid (as at the TypeScript edge).
      [JWT_REQUIREMENTS.optional]: { requires_any: { requirements: [required, { allow_missing: {} }] } },
    },
    bypass_cors_preflight: true,
  });
}

/** The per-route jwt_authn setting of a public RPC's route. */
export function jwtRequirementOf(method: DescMethod): EnvoyJson {
  const requirement = allowsAnonymous(method) ? JWT_REQUIREMENTS.optional : JWT_REQUIREMENTS.required;
  return typedConfig("envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig", { requirement_name: requirement });
}

/** The per-route jwt_authn setting of a route Envoy answers itself: nothing to check. */
export function jwtDisabled(): EnvoyJson {
  return typedConfig("envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig", { disabled: true });
}
