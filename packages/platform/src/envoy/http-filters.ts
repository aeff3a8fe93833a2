// The HTTP filter chains of both listeners. Order matters on the public one:
//   local_ratelimit       sheds a flood before any work is done
//   grpc_web              turns gRPC-Web into gRPC (the transcoder then leaves it alone)
//   grpc_json_transcoder  turns REST into gRPC and re-routes on the gRPC path
//   cors                  after the transcoder, so REST requests already have their RPC's route
//   jwt_authn             after the transcoder, so its rules match gRPC paths for every protocol
//   router
import type { DescService } from "@bufbuild/protobuf";
import type { CommunicationPolicy } from "../policy.js";
import { corsFilter } from "./cors-policy.js";
import { edgeRateLimit } from "./deployment-settings.js";
import { alwaysOn, namedExtension, type EnvoyJson } from "./envoy-values.js";
import { jwtAuthnFilter } from "./jwt-authn-filter.js";
import { transcoderFilter } from "./transcoder-filter.js";

function localRateLimitFilter(): EnvoyJson {
  return namedExtension("envoy.filters.http.local_ratelimit", "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", {
    stat_prefix: "public_rate_limit",
    token_bucket: {
      max_tokens: edgeRateLimit.maxTokens,
      tokens_per_fill: edgeRateLimit.tokensPerFill,
      fill_interval: edgeRateLimit.fillInterval,
    },
    // Both default to 0%: without them the filter would neither count nor limit.
    filter_enabled: alwaysOn("public_rate_limit.enabled"),
    filter_enforced: alwaysOn("public_rate_limit.enforced"),
    response_headers_to_add: [
      { header: { key: "retry-after", value: String(edgeRateLimit.retryAfterSeconds) }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" },
    ],
  });
}

function routerFilter(fields: EnvoyJson = {}): EnvoyJson {
  return namedExtension("envoy.filters.http.router", "envoy.extensions.filters.http.router.v3.Router", fields);
}

/** The public listener's filter chain. */
export function publicHttpFilters(policy: CommunicationPolicy, publicServices: readonly DescService[]): EnvoyJson[] {
  return [
    localRateLimitFilter(),
    namedExtension("envoy.filters.http.grpc_web", "envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"),
    transcoderFilter(publicServices),
    corsFilter(),
    jwtAuthnFilter(policy, publicServices),
    // Outside clients learn nothing about Envoy's internals from x-envoy-* response headers.
    routerFilter({ suppress_envoy_headers: true }),
  ];
}

/** The internal listener's filter chain: services authenticate each other themselves. */
export function internalHttpFilters(): EnvoyJson[] {
  return [routerFilter()];
}
