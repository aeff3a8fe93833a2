// Envoy's route tables: one route per RPC, matched on its exact gRPC path (`/<package>.<Service>/
// <Method>`), carrying the policy's timeout and retry policy for that method. REST requests
// reach the same routes: the transcoder rewrites their path to the gRPC path and clears the
// route cache before routing.
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { formatSeconds } from "../duration.js";
import { SERVICE_TOKEN_HEADER } from "../identity/service-credentials.js";
import type { CommunicationPolicy } from "../policy.js";
import { corsPolicy, CORS_FILTER } from "./cors-policy.js";
import { withoutUndefined, type EnvoyJson } from "./envoy-values.js";
import { renderRetryPolicy } from "./retry-policy.js";

/** The cluster that answers nothing: for routes whose requests a filter always answers itself. */
export const NO_UPSTREAM_CLUSTER = "no_upstream";

/** The JSON body of Envoy's own 404s: google.rpc.Status with NOT_FOUND, as the transcoder's errors. */
export const NOT_FOUND_BODY = JSON.stringify({ code: 5, message: "no such route", details: [] });

/** The gRPC path of a method, e.g. `/junction.auth.v1.AuthService/Login`. */
export function grpcPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** The path prefix of every method of a service, e.g. `/junction.auth.v1.InternalAuthService/`. */
export function grpcServicePrefix(service: DescService): string {
  return `/${service.typeName}/`;
}

/** The route of one RPC: its gRPC path to its upstream's cluster, with the policy's timeout and retries. */
export function renderMethodRoute(method: DescMethod, policy: CommunicationPolicy): EnvoyJson {
  const path = grpcPath(method);
  const rules = policy.method(method);
  const route = withoutUndefined({
    cluster: policy.upstreamOf(method.parent),
    // Covers every attempt; expiry answers 504. A caller's shorter deadline (grpc-timeout) is
    // forwarded and enforced by the service. No max_stream_duration: Envoy would then ignore
    // this timeout and answer REST callers 408 instead of 504.
    timeout: formatSeconds(rules.timeoutMs),
    retry_policy: renderRetryPolicy(rules, `${policy.source}: ${path}`),
  });
  return { name: path.slice(1), match: { path }, route };
}

/** A route answering 404 itself for every path under `prefix`, without touching an upstream. */
export function renderNotFoundRoute(name: string, prefix: string): EnvoyJson {
  return {
    name,
    match: { prefix },
    direct_response: { status: 404, body: { inline_string: NOT_FOUND_BODY } },
    response_headers_to_add: [{ header: { key: "content-type", value: "application/json" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }],
  };
}

// The cors filter acts only on requests whose route forwards somewhere. A preflight's path is a
// REST path no gRPC route matches, so this route catches preflights; the cors filter answers
// every request it matches (an Origin and a requested method are required), so the cluster it
// names is never contacted.
function corsPreflightRoute(): EnvoyJson {
  return {
    name: "cors-preflight",
    match: {
      prefix: "/",
      headers: [
        { name: ":method", string_match: { exact: "OPTIONS" } },
        { name: "origin", present_match: true },
        { name: "access-control-request-method", present_match: true },
      ],
    },
    route: { cluster: NO_UPSTREAM_CLUSTER },
  };
}

/** Routes of the public listener: public RPCs only; internal services and unknown paths get 404. */
export function renderPublicRouteConfig(policy: CommunicationPolicy, publicServices: readonly DescService[], internalServices: readonly DescService[]): EnvoyJson {
  return {
    name: "public",
    // Only Junction's services may present a service token: one arriving from outside is dropped.
    request_headers_to_remove: [SERVICE_TOKEN_HEADER],
    virtual_hosts: [
      {
        name: "junction-public",
        domains: ["*"],
        typed_per_filter_config: { [CORS_FILTER]: corsPolicy() },
        routes: [
          corsPreflightRoute(),
          // Internal services are never routable from outside, whatever the method.
          ...internalServices.map((service) => renderNotFoundRoute(`internal-only:${service.typeName}`, grpcServicePrefix(service))),
          ...publicServices.flatMap((service) => service.methods.map((method) => renderMethodRoute(method, policy))),
          renderNotFoundRoute("not-found", "/"),
        ],
      },
    ],
  };
}

/** Routes of the internal listener: every RPC of every service, public and internal, since services call both. */
export function renderInternalRouteConfig(policy: CommunicationPolicy, services: readonly DescService[]): EnvoyJson {
  return {
    name: "internal",
    virtual_hosts: [
      {
        name: "junction-internal",
        domains: ["*"],
        routes: services.flatMap((service) => service.methods.map((method) => renderMethodRoute(method, policy))),
      },
    ],
  };
}
