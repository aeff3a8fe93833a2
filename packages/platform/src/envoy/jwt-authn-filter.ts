// Access-token checks on the public listener: Envoy verifies the bearer token against auth's JWKS
// before a request reaches a service. The RPCs the contracts mark allow_anonymous (register,
// login, JWKS, ...) also pass without one. The token is forwarded, because services verify it
// themselves and never trust an identity Envoy could have asserted for them.
import type { DescService } from "@bufbuild/protobuf";
import { allowsAnonymous } from "../contracts.js";
import type { CommunicationPolicy } from "../policy.js";
import { accessTokenChecks, upstreamHost } from "./deployment-settings.js";
import { namedExtension, type EnvoyJson } from "./envoy-values.js";
import { grpcPath } from "./route-table.js";

/** The upstream that serves the JWKS. */
export const JWKS_UPSTREAM = "auth";

/** The gRPC paths of public RPCs callable without an access token, in contract order. */
export function anonymousPaths(publicServices: readonly DescService[]): string[] {
  return publicServices.flatMap((service) => service.methods.filter(allowsAnonymous).map(grpcPath));
}

/** The jwt_authn filter. It runs after the transcoder, so its rules see gRPC paths for REST requests too. */
export function jwtAuthnFilter(policy: CommunicationPolicy, publicServices: readonly DescService[]): EnvoyJson {
  const auth = policy.upstream(JWKS_UPSTREAM);
  const provider = {
    issuer: accessTokenChecks.issuer,
    audiences: [accessTokenChecks.audience],
    remote_jwks: {
      http_uri: {
        uri: `http://${upstreamHost(JWKS_UPSTREAM)}:${auth.port}${accessTokenChecks.jwksPath}`,
        cluster: JWKS_UPSTREAM,
        timeout: accessTokenChecks.jwksFetchTimeout,
      },
      cache_duration: accessTokenChecks.jwksCacheDuration,
      // Fetched on the main thread before the listener opens (or fails and is refetched), so
      // the first requests do not wait for it.
      async_fetch: { fast_listener: false },
      retry_policy: { num_retries: 3, retry_back_off: { base_interval: "0.25s", max_interval: "2s" } },
    },
    // Only the Authorization header: the default would also accept an access_token query parameter.
    from_headers: [{ name: "authorization", value_prefix: "Bearer " }],
    forward: true,
  };
  return namedExtension("envoy.filters.http.jwt_authn", "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication", {
    providers: { [accessTokenChecks.provider]: provider },
    // First match wins. The anonymous RPCs need no token, but one that is sent must be valid
    // (as at the TypeScript edge); everything else needs a valid token.
    rules: [
      ...anonymousPaths(publicServices).map((path) => ({
        match: { path },
        requires: { requires_any: { requirements: [{ provider_name: accessTokenChecks.provider }, { allow_missing: {} }] } },
      })),
      { match: { prefix: "/" }, requires: { provider_name: accessTokenChecks.provider } },
    ],
    bypass_cors_preflight: true,
  });
}
