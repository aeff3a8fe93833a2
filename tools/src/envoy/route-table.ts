// Envoy's route tables: one route per RPC, matched on its exact gRPC path (`/<package>.<Service>/
// <Method>`), carrying the policy's timeout and retry policy for that method. REST requests
// reach the same routes: the transcoder rewrites their path to the gRPC path and clears the
// route cache before routing. A REST path with a verb it does not bind is not transcoded; it
// reaches a 405 route. Everything else is a 404 Envoy answers itself (local-replies.ts gives
// both their bodies).
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { type AllowedOrigins, type CommunicationPolicy, formatSeconds, GRPC_HEALTH_PREFIX, OPERATIONAL_PATHS, RouteTable, SERVICE_TOKEN_HEADER } from "@junction/platform";
import { corsPolicy, CORS_FILTER, originMatchers } from "./cors-policy.js";
import { withoutUndefined, type EnvoyJson } from "./envoy-values.js";
import { JWT_FILTER, jwtDisabled, jwtRequirementOf } from "./jwt-authn-filter.js";
import { RATE_LIMIT_FILTER, rateLimitsExempt } from "./rate-limit-filters.js";
import { BUFFER_FILTER, requestSizeUnlimited } from "./request-size-filter.js";
import { renderRetryPolicy } from "./retry-policy.js";
import { MAX_DIRECT_RESPONSE_BYTES, renderOpenApiRoute } from "./openapi-route.js";

/** The cluster that answers nothing: for routes whose requests a filter always answers itself. */
export const NO_UPSTREAM_CLUSTER = "no_upstream";

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

// A public RPC's route also says whether it needs an access token, and lets calls stream unbuffered.
function publicMethodRoute(method: DescMethod, policy: CommunicationPolicy): EnvoyJson {
  return {
    ...renderMethodRoute(method, policy),
    typed_per_filter_config: { [JWT_FILTER]: jwtRequirementOf(method), [BUFFER_FILTER]: requestSizeUnlimited() },
  };
}

/** A route Envoy answers itself with `status` (its body comes from the local reply), checking no token. */
export function renderAnsweredRoute(name: string, match: EnvoyJson, status: number, headers: Record<string, string> = {}): EnvoyJson {
  return withoutUndefined({
    name,
    match,
    direct_response: { status },
    response_headers_to_add:
      Object.keys(headers).length > 0
        ? Object.entries(headers).map(([key, value]) => ({ header: { key, value }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }))
        : undefined,
    typed_per_filter_config: { [JWT_FILTER]: jwtDisabled() },
  });
}

/**
 * 405 routes: a REST path the contracts bind, requested with a verb they do not bind for it, with
 * the verbs they do in Allow, as the TypeScript edge answers (same templates, same order).
 */
export function renderMethodNotAllowedRoutes(publicServices: readonly DescService[]): EnvoyJson[] {
  const allowed = new Map<string, { pattern: string; methods: string[] }>();
  for (const route of new RouteTable(publicServices).routes) {
    const entry = allowed.get(route.template.source) ?? { pattern: route.template.regex.source, methods: [] };
    if (!entry.methods.includes(route.httpMethod)) entry.methods.push(route.httpMethod);
    allowed.set(route.template.source, entry);
  }
  return [...allowed].map(([template, { pattern, methods }]) =>
    renderAnsweredRoute(`method-not-allowed:${template}`, { safe_regex: { regex: pattern } }, 405, { allow: methods.join(", ") }),
  );
}

// The cors filter acts only on requests whose route forwards somewhere. A preflight's path is a
// REST path no gRPC route matches, so these routes (one per allowed origin or pattern) catch
// preflights from allowed origins; the cors filter answers every request they match, so the
// cluster they name is never contacted.
function corsPreflightRoutes(origins: AllowedOrigins): EnvoyJson[] {
  return originMatchers(origins).map((origin, index) => ({
    name: `cors-preflight-${index}`,
    match: {
      prefix: "/",
      headers: [
        { name: ":method", string_match: { exact: "OPTIONS" } },
        // Only allowed origins: any other preflight gets the answer its path and verb get otherwise, as from the TypeScript edge.
        { name: "origin", string_match: origin },
        { name: "access-control-request-method", present_match: true },
      ],
    },
    route: { cluster: NO_UPSTREAM_CLUSTER },
    typed_per_filter_config: { [JWT_FILTER]: jwtDisabled() },
  }));
}

/**
 * Operational paths (platform's edge/operational-routes.ts): Envoy serves its own probes and
 * metrics on the admin port, so on the public listener they are 404s, but like at the TypeScript
 * edge no token is checked and no rate limit counts them: a probe never spends a client's allowance.
 */
function operationalRoutes(): EnvoyJson[] {
  const exempt = (route: EnvoyJson) => ({ ...route, typed_per_filter_config: { ...(route.typed_per_filter_config as EnvoyJson), [RATE_LIMIT_FILTER]: rateLimitsExempt() } });
  return [
    ...OPERATIONAL_PATHS.map((path) => exempt(renderAnsweredRoute(`operational:${path}`, { path }, 404))),
    exempt(renderAnsweredRoute("operational:grpc-health", { prefix: GRPC_HEALTH_PREFIX }, 404)),
  ];
}

/**
 * The route of a service's plain-HTTP page (the manifest's `pages`, e.g. where an email link
 * leads): its exact path to the service's cluster, with no token to check and the upstream's
 * default timeout; the service answers every method itself.
 */
export function renderPageRoute(path: string, service: string, policy: CommunicationPolicy): EnvoyJson {
  return {
    name: `page:${path}`,
    match: { path },
    route: { cluster: service, timeout: formatSeconds(policy.upstream(service).timeoutMs) },
    typed_per_filter_config: { [JWT_FILTER]: jwtDisabled() },
  };
}

/** Routes of the public listener: public RPCs and pages only; internal services and unknown paths get 404, known REST paths with a wrong verb 405. */
export function renderPublicRouteConfig(
  policy: CommunicationPolicy,
  publicServices: readonly DescService[],
  internalServices: readonly DescService[],
  corsOrigins: AllowedOrigins,
  pages: ReadonlyArray<{ readonly path: string; readonly service: string }> = [],
): EnvoyJson {
  const cors = corsPolicy(corsOrigins);
  return {
    name: "public",
    max_direct_response_body_size_bytes: MAX_DIRECT_RESPONSE_BYTES,
    // Only Junction's services may present a service token: one arriving from outside is dropped.
    request_headers_to_remove: [SERVICE_TOKEN_HEADER],
    virtual_hosts: [
      {
        name: "junction-public",
        domains: ["*"],
        ...(cors ? { typed_per_filter_config: { [CORS_FILTER]: cors } } : {}),
        routes: [
          ...corsPreflightRoutes(corsOrigins),
          // Internal services are never routable from outside, whatever the method.
          ...internalServices.map((service) => renderAnsweredRoute(`internal-only:${service.typeName}`, { prefix: grpcServicePrefix(service) }, 404)),
          ...publicServices.flatMap((service) => service.methods.map((method) => publicMethodRoute(method, policy))),
          ...pages.map((page) => renderPageRoute(page.path, page.service, policy)),
          renderOpenApiRoute(),
          ...operationalRoutes(),
          ...renderMethodNotAllowedRoutes(publicServices),
          renderAnsweredRoute("not-found", { prefix: "/" }, 404),
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
