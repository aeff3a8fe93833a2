// The HTTP filter chains of both listeners. Order matters on the public one:
//   set_filter_state          records the caller's protocol, for the local replies
//   grpc_web                  turns gRPC-Web into gRPC (the transcoder then leaves it alone), and
//                             turns every later reply to a gRPC-Web caller into gRPC-Web
//   local_ratelimit (client)  sheds a flood per client address before any real work is done
//   buffer                    holds a REST body whole, refusing one over the size limit
//   grpc_json_transcoder      turns REST into gRPC and re-routes on the gRPC path
//   cors                      after the transcoder, so REST requests already have their RPC's route
//   jwt_authn                 after the transcoder, so each RPC's route says what it requires
//   local_ratelimit (user)    after jwt_authn, which names the user
//   credential_injector       the edge key on every request that reaches a service (edge-key-filter.ts)
//   router
// Connect passes through untouched: the services speak it natively, so its errors and streams
// reach the client exactly as the services send them.
import type { DescService } from "@bufbuild/protobuf";
import { corsFilter } from "./cors-policy.js";
import { edgeKeyFilter } from "./edge-key-filter.js";
import { callerProtocolFilter } from "./local-replies.js";
import type { EnvoyDeployment } from "./envoy-deployment.js";
import { namedExtension, type EnvoyJson } from "./envoy-values.js";
import { jwtAuthnFilter } from "./jwt-authn-filter.js";
import { perClientRateLimitFilter, perUserRateLimitFilter } from "./rate-limit-filters.js";
import { requestSizeFilter } from "./request-size-filter.js";
import { transcoderFilter } from "./transcoder-filter.js";

function routerFilter(fields: EnvoyJson = {}): EnvoyJson {
  return namedExtension("envoy.filters.http.router", "envoy.extensions.filters.http.router.v3.Router", fields);
}

/** The public listener's filter chain. */
export function publicHttpFilters(deployment: EnvoyDeployment, publicServices: readonly DescService[]): EnvoyJson[] {
  const chain = [
    callerProtocolFilter(),
    namedExtension("envoy.filters.http.grpc_web", "envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"),
    perClientRateLimitFilter(deployment.rateLimits),
    requestSizeFilter(),
    transcoderFilter(publicServices, deployment.descriptorPath),
    corsFilter(),
    jwtAuthnFilter(deployment),
    perUserRateLimitFilter(deployment.rateLimits),
    edgeKeyFilter(),
    // Outside clients learn nothing about Envoy's internals from x-envoy-* response headers.
    routerFilter({ suppress_envoy_headers: true }),
  ];
  return chain.filter((filter): filter is EnvoyJson => filter !== undefined);
}

/** The internal listener's filter chain: services authenticate each other themselves. */
export function internalHttpFilters(): EnvoyJson[] {
  return [callerProtocolFilter(), routerFilter()];
}
