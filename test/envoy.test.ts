// The committed envoy/envoy.yaml (compose) and envoy/envoy.local.yaml (npm start) do what the
// contracts and policy.yaml say: every public RPC is routed publicly and every RPC internally with
// the policy's timeout and retries, REST bindings are transcoded, internal services are
// unreachable from outside, clusters carry the policy's breaker and retry budget, anonymous RPCs
// are exactly the contract's, the two files differ only in addresses, and both are exactly what
// rendering produces. How Envoy behaves on them is proven by running it (edge-parity, envoy-*
// tests); this file checks what the configuration says.
import test, { type ExecutionContext } from "ava";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFileRegistry, equals, fromBinary, getOption, type DescMethod } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { http } from "@junction/gen/google/api/annotations_pb";
import { HttpRuleSchema } from "@junction/gen/google/api/http_pb";
import { allowsAnonymous, CommunicationPolicy, DEFAULT_CONNECTION_TIMEOUTS, DEFAULT_EDGE_RATE_LIMITS, formatSeconds, OPENAPI_DOCUMENT, SERVICE_TOKEN_HEADER } from "@junction/platform";
import { allServices, internalServices, junction, publicServices } from "./support/junction.js";
import { ENVOY_FILES, renderEnvoyArtifacts, renderEnvoyConfigFor, staleEnvoyFiles } from "@junction/tools/envoy/envoy-artifacts";
import { renderEnvoyYaml } from "@junction/tools/envoy/envoy-config";
import { composeDeployment, DESCRIPTOR_SET_PATH, localDeployment } from "@junction/tools/envoy/envoy-deployment";
import { EnvoyRenderError } from "@junction/tools/envoy/render-error";
import { parse } from "yaml";
import { tool } from "../packages/platform/test/support/tools.js";
import { connectionManager, filterConfig, filterOf, pickRoute, routesOf, type Bootstrap, type Route } from "./support/envoy-bootstrap.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const policyYaml = readFileSync(join(root, "policy.yaml"), "utf8");
const { policy, manifest } = junction;
const committed = readFileSync(join(root, ENVOY_FILES.config), "utf8");
const bootstrap = parse(committed) as Bootstrap;
const local = parse(readFileSync(join(root, ENVOY_FILES.localConfig), "utf8")) as Bootstrap;
const compose = composeDeployment(junction);
const publicListener = connectionManager(bootstrap, "public");
const internalListener = connectionManager(bootstrap, "internal");

const grpcPathOf = (method: DescMethod) => `/${method.parent.typeName}/${method.name}`;

// What the policy file says a route must carry, worked out here independently of the renderer.
function assertRouteFollowsPolicy(t: ExecutionContext, route: Route | undefined, method: DescMethod) {
  const where = grpcPathOf(method);
  const rules = policy.method(method);
  t.truthy(route?.route, `${where} has a forwarding route`);
  t.is(route?.route?.cluster, policy.upstreamOf(method.parent), `${where} goes to its upstream`);
  const timeout = formatSeconds(rules.timeoutMs);
  t.is(route?.route?.timeout, timeout, `${where} has the policy's timeout`);
  // With a max_stream_duration Envoy would ignore the route timeout.
  t.is(route?.route?.max_stream_duration, undefined, `${where} is bounded by its route timeout`);
  const retry = route?.route?.retry_policy;
  if (rules.retry.maxAttempts <= 1) return t.is(retry, undefined, `${where} is not retried`);
  t.truthy(retry, `${where} has a retry policy`);
  t.is(retry?.num_retries, rules.retry.maxAttempts - 1, `${where} retries maxAttempts - 1 times`);
  t.deepEqual(retry?.retry_back_off, { base_interval: formatSeconds(rules.retry.initialBackoff), max_interval: formatSeconds(rules.retry.maxBackoff) });
  const on = new Set(retry?.retry_on.split(","));
  if (rules.idempotent) {
    for (const code of rules.retry.retryOn) t.true(on.has(code.replaceAll("_", "-")), `${where} retries on ${code}`);
  } else {
    // Only failures where the request never reached the server: no status code, no plain reset.
    t.deepEqual([...on].sort(), ["connect-failure", "refused-stream", "reset-before-request"], `${where} is retried only when never delivered`);
  }
}

test("every public RPC is routed on the public listener with the policy's timeout and retries", (t) => {
  const routes = routesOf(publicListener);
  for (const service of publicServices) {
    for (const method of service.methods) assertRouteFollowsPolicy(t, pickRoute(routes, { path: grpcPathOf(method) }), method);
  }
});

test("every RPC, public and internal, is routed on the internal listener with the policy's timeout and retries", (t) => {
  const routes = routesOf(internalListener);
  for (const service of allServices) {
    for (const method of service.methods) assertRouteFollowsPolicy(t, pickRoute(routes, { path: grpcPathOf(method) }), method);
  }
  t.is(filterOf(internalListener, "envoy.filters.http.jwt_authn"), undefined, "services authenticate each other themselves");
});

test("internal services and unknown paths answer 404 on the public listener", (t) => {
  const routes = routesOf(publicListener);
  for (const service of internalServices) {
    for (const method of service.methods) {
      const route = pickRoute(routes, { path: grpcPathOf(method) });
      t.is(route?.route, undefined, `${grpcPathOf(method)} is not forwarded`);
      t.is(route?.direct_response?.status, 404, `${grpcPathOf(method)} is a 404`);
    }
  }
  for (const path of ["/", "/v2/nothing", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "/metrics"]) {
    t.is(pickRoute(routes, { path })?.direct_response?.status, 404, `${path} is a 404`);
  }
});

test("GET /openapi.json is answered from the committed document, with no token checked and no rate limit counted", (t) => {
  const routes = routesOf(publicListener);
  const route = pickRoute(routes, { path: OPENAPI_DOCUMENT.urlPath, method: "GET" });
  t.is(route?.name, "openapi");
  t.deepEqual(route?.direct_response, { status: 200, body: { filename: OPENAPI_DOCUMENT.file } }, "read from the file, relative to Envoy's working directory");
  t.is(route?.response_headers_to_add?.find((h) => h.header.key === "content-type")?.header.value, "application/json");
  t.is(route?.typed_per_filter_config?.["envoy.filters.http.jwt_authn"]?.disabled, true);
  t.is(route?.typed_per_filter_config?.["envoy.filters.http.local_ratelimit"]?.disabled, true, "neither rate limit filter counts it");
  const size = statSync(join(root, OPENAPI_DOCUMENT.file)).size;
  t.true(publicListener.route_config.max_direct_response_body_size_bytes! >= 4 * size, `room for the ${size}-byte document to grow`);
  t.is(pickRoute(routes, { path: OPENAPI_DOCUMENT.urlPath, method: "POST" })?.name, "not-found", "other verbs get what an unknown path gets");
});

test("a bound REST path with a verb it does not bind is a 405 naming the verbs it binds", (t) => {
  const routes = routesOf(publicListener);
  const allow = (path: string) => {
    const route = pickRoute(routes, { path, method: "PUT" });
    t.is(route?.direct_response?.status, 405, `${path} is a 405`);
    return route?.response_headers_to_add?.find((h) => h.header.key === "allow")?.header.value;
  };
  t.is(allow("/v1/auth/login"), "POST");
  t.is(allow("/v1/users/3f1c/profile"), "GET, PATCH");
  t.is(allow("/v1/orgs/o1/members"), "GET, POST");
  t.is(allow("/v1/notifications/n1:read"), "POST");
  t.is(pickRoute(routes, { path: "/v1/users/a/b/profile" })?.name, "not-found", "a variable spans one segment");
});

test("CORS preflights from allowed origins match a route the cors filter answers; others get what their path and verb get", (t) => {
  const withOrigins = parse(
    renderEnvoyYaml({ manifest, policy, publicServices, internalServices, deployment: localDeployment(junction, { JUNCTION_EDGE_CORS_ORIGINS: "https://app.example", JUNCTION_DEV_MODE: "true" }) }),
  ) as Bootstrap;
  const routes = routesOf(connectionManager(withOrigins, "public"));
  const preflight = (origin: string) => pickRoute(routes, { path: "/v1/auth/login", method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
  t.regex(preflight("https://app.example")?.name ?? "", /^cors-preflight/);
  t.regex(preflight("http://localhost:5173")?.name ?? "", /^cors-preflight/, "development mode allows this machine's pages");
  const nowhere = withOrigins.static_resources.clusters.find((cluster) => cluster.name === preflight("https://app.example")?.route?.cluster);
  t.deepEqual(nowhere?.load_assignment.endpoints, [], "the preflight route's cluster has no endpoints");
  for (const refused of ["https://evil.example", "null", "http://localhost.evil.example"]) t.is(preflight(refused)?.direct_response?.status, 405, `${refused} gets the 405 of OPTIONS`);
  t.is(pickRoute(routes, { path: "/junction.auth.v1.AuthService/Login", method: "POST" })?.name, "junction.auth.v1.AuthService/Login");
  t.is(pickRoute(routes, { path: "/v1/auth/login", method: "OPTIONS" })?.direct_response?.status, 405, "a bare OPTIONS is not a preflight");
  t.false(routesOf(publicListener).some((route) => route.name.startsWith("cors-preflight")), "the committed config allows no origin: manifest.yaml lists none");
});

test("the transcoder serves exactly the public services, whose bindings are in the descriptor set", (t) => {
  const transcoder = filterConfig<{ services: string[]; proto_descriptor: string; convert_grpc_status: boolean; print_options: object }>(
    publicListener,
    "envoy.filters.http.grpc_json_transcoder",
  );
  t.deepEqual(transcoder.services, publicServices.map((service) => service.typeName));
  t.is(transcoder.proto_descriptor, DESCRIPTOR_SET_PATH);
  t.is(transcoder.convert_grpc_status, true, "errors come back as JSON");
  t.like(transcoder.print_options, { preserve_proto_field_names: false, always_print_enums_as_ints: false }, "lowerCamelCase, enums by name");

  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(join(root, ENVOY_FILES.descriptors))));
  t.truthy(registry.getMessage("google.rpc.BadRequest"), "error detail types can be printed");
  for (const service of allServices) {
    for (const method of service.methods) {
      const binding = getOption(method, http);
      if (binding.pattern.case === undefined) continue;
      t.true(publicServices.includes(service), `${grpcPathOf(method)} has a REST binding, so it must be public`);
      const built = registry.getService(service.typeName)?.methods.find((candidate) => candidate.name === method.name);
      t.truthy(built, `${grpcPathOf(method)} is in the descriptor set`);
      if (built) t.true(equals(HttpRuleSchema, getOption(built, http), binding), `${grpcPathOf(method)} has its binding in the descriptor set`);
    }
  }
});

test("jwt_authn lets exactly the anonymous RPCs through without a token, and checks nothing on routes Envoy answers itself", (t) => {
  const jwt = filterConfig<{
    providers: Record<string, { issuer: string; audiences: string[]; forward: boolean; remote_jwks: { http_uri: { uri: string; cluster: string } }; from_headers: unknown[] }>;
    requirement_map: Record<string, unknown>;
    rules?: unknown;
  }>(publicListener, "envoy.filters.http.jwt_authn");
  t.is(jwt.rules, undefined, "each route says what it requires");
  t.deepEqual(jwt.requirement_map, {
    token_required: { provider_name: "junction_auth" },
    // A token is optional on these, and checked when one is sent.
    token_optional: { requires_any: { requirements: [{ provider_name: "junction_auth" }, { allow_missing: {} }] } },
  });
  const routes = routesOf(publicListener);
  const requirement = (route: Route | undefined) => route?.typed_per_filter_config?.["envoy.filters.http.jwt_authn"];
  const optional: string[] = [];
  for (const service of publicServices) {
    for (const method of service.methods) {
      const needs = requirement(pickRoute(routes, { path: grpcPathOf(method) }))?.requirement_name;
      t.true(needs === "token_required" || needs === "token_optional", `${grpcPathOf(method)} says what it requires`);
      if (needs === "token_optional") optional.push(grpcPathOf(method));
    }
  }
  t.deepEqual(optional, publicServices.flatMap((service) => service.methods.filter(allowsAnonymous).map(grpcPathOf)));
  // The design's public-without-token list, verbatim.
  const designed = ["Register", "Login", "Refresh", "VerifyEmail", "RequestPasswordReset", "ResetPassword", "GetJwks"];
  t.deepEqual(optional, designed.map((name) => `/junction.auth.v1.AuthService/${name}`));
  for (const route of routes.filter((candidate) => candidate.route === undefined || candidate.name.startsWith("cors-preflight"))) {
    t.like(requirement(route), { disabled: true }, `${route.name} checks no token`);
  }

  const provider = jwt.providers.junction_auth!;
  t.is(provider.issuer, "junction-auth");
  t.deepEqual(provider.audiences, ["junction"]);
  t.true(provider.forward, "services still see the token and verify it themselves");
  t.is(provider.remote_jwks.http_uri.cluster, "auth");
  t.is(provider.remote_jwks.http_uri.uri, `http://auth:${policy.upstream("auth").port}/.well-known/jwks.json`);
  t.deepEqual(provider.from_headers, [
    { name: "authorization", value_prefix: "Bearer " },
    { name: "authorization", value_prefix: "bearer " },
  ]);
});

test("the public filter chain runs in the order the transcoder and jwt_authn need", (t) => {
  t.deepEqual(
    publicListener.http_filters.map((filter) => filter.name),
    [
      "envoy.filters.http.set_filter_state",
      "envoy.filters.http.grpc_web",
      "envoy.filters.http.local_ratelimit",
      "envoy.filters.http.buffer",
      "envoy.filters.http.grpc_json_transcoder",
      "envoy.filters.http.cors",
      "envoy.filters.http.jwt_authn",
      "envoy.filters.http.local_ratelimit",
      "envoy.filters.http.credential_injector",
      "envoy.filters.http.router",
    ],
  );
});

test("rate limits per client address and per user, with the TypeScript edge's numbers, one bucket each", (t) => {
  type Limit = {
    stat_prefix: string;
    filter_enabled: object;
    filter_enforced: object;
    rate_limits: Array<{ actions: object[] }>;
    descriptors: Array<{ entries: Array<{ key: string; value?: string }>; token_bucket: { max_tokens: number; tokens_per_fill: number; fill_interval: string } }>;
    max_dynamic_descriptors: number;
    rate_limited_as_resource_exhausted: boolean;
  };
  const limits = publicListener.http_filters.filter((f) => f.name === "envoy.filters.http.local_ratelimit").map((f) => f.typed_config as unknown as Limit);
  const fullyOn = { default_value: { numerator: 100, denominator: "HUNDRED" } };
  const perMinute = (limit: Limit) => limit.descriptors[0]!.token_bucket;
  for (const limit of limits) {
    t.like(limit.filter_enabled, fullyOn, `${limit.stat_prefix} counts every request`);
    t.like(limit.filter_enforced, fullyOn, `${limit.stat_prefix} enforces on every request`);
    t.is(limit.descriptors[0]!.entries[0]!.value, undefined, `${limit.stat_prefix} keeps a bucket per distinct value`);
    t.true(limit.max_dynamic_descriptors > 0);
    t.true(limit.rate_limited_as_resource_exhausted, "gRPC callers get RESOURCE_EXHAUSTED");
  }
  const [client, user] = limits;
  t.deepEqual(client?.rate_limits, [{ actions: [{ remote_address: {} }] }]);
  const max = DEFAULT_EDGE_RATE_LIMITS.perClientPerMinute;
  t.deepEqual(perMinute(client!), { max_tokens: max, tokens_per_fill: max, fill_interval: "60s" });
  t.like(user?.rate_limits[0]?.actions[0], { metadata: { metadata_key: { key: "envoy.filters.http.jwt_authn", path: [{ key: "jwt_payload" }, { key: "sub" }] }, source: "DYNAMIC" } });
  const perUser = DEFAULT_EDGE_RATE_LIMITS.perUserPerMinute;
  t.deepEqual(perMinute(user!), { max_tokens: perUser, tokens_per_fill: perUser, fill_interval: "60s" });
});

test("Envoy's own replies are mapped for every protocol, and the internal listener's only for what it can answer", (t) => {
  const expressions = (manager: typeof publicListener) => manager.local_reply_config?.mappers.map((m) => m.filter.extension_filter.typed_config.expression) ?? [];
  const publicOnes = expressions(publicListener);
  for (const reason of ["Jwt_is_missing", "Jwt_is_expired", "== 'client'", "== 'user'", "response.code == 504", "response.code == 503", "response.code == 413"]) {
    t.is(publicOnes.filter((e) => e.includes(reason)).length, 5, `${reason}: gRPC, gRPC-Web, Connect streams, Connect, REST`);
  }
  const internalOnes = expressions(internalListener);
  t.false(internalOnes.some((e) => e.includes("jwt_authn") || e.includes("local_rate_limited")));
  t.true(internalOnes.some((e) => e.includes("response.code == 504")));
});

test("outside requests cannot bring internal headers, addresses or request ids", (t) => {
  t.true(publicListener.route_config.request_headers_to_remove?.includes(SERVICE_TOKEN_HEADER));
  t.like(publicListener, { use_remote_address: true, xff_num_trusted_hops: 0, generate_request_id: true, preserve_external_request_id: false, always_set_request_id_in_response: true });
  t.deepEqual(publicListener.internal_address_config, { unix_sockets: false, cidr_ranges: [{ address_prefix: "192.0.2.0", prefix_len: 32 }] }, "no client counts as internal");
  t.like(internalListener, { generate_request_id: true, preserve_external_request_id: true }, "a calling service's request id is kept");
  t.is(internalListener.route_config.request_headers_to_remove, undefined, "services keep their service tokens");
});

test("slow clients are bounded on both listeners as on the services: request heads in time, idle connections closed", (t) => {
  for (const listener of [publicListener, internalListener]) {
    t.like(listener, { request_headers_timeout: DEFAULT_CONNECTION_TIMEOUTS.headers, common_http_protocol_options: { idle_timeout: DEFAULT_CONNECTION_TIMEOUTS.idle } });
  }
  t.like(publicListener, { common_http_protocol_options: { headers_with_underscores_action: "DROP_HEADER" } }, "the public listener's own options stay");
});

test("each upstream has an HTTP/2 cluster with the policy's port, breaker, retry budget and health check", (t) => {
  for (const name of policy.upstreamNames) {
    const upstream = policy.upstream(name);
    const cluster = bootstrap.static_resources.clusters.find((candidate) => candidate.name === name);
    if (!cluster) {
      t.fail(`no cluster for ${name}`);
      continue;
    }
    const address = cluster.load_assignment.endpoints[0]?.lb_endpoints[0]?.endpoint.address.socket_address;
    t.deepEqual(address, { address: name, port_value: upstream.port }, `${name} is its compose host on its policy port`);
    t.truthy(cluster.typed_extension_protocol_options?.["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]?.explicit_http_config?.http2_protocol_options);
    t.like(cluster.outlier_detection ?? {}, {
      consecutive_5xx: upstream.breaker.consecutiveFailures,
      consecutive_gateway_failure: upstream.breaker.consecutiveFailures,
      enforcing_consecutive_gateway_failure: 100,
      interval: formatSeconds(upstream.breaker.window),
      base_ejection_time: formatSeconds(upstream.breaker.halfOpenAfter),
      failure_percentage_threshold: Math.round(upstream.breaker.failureRatio * 100),
      failure_percentage_request_volume: Math.ceil(upstream.breaker.minimumRps * (upstream.breaker.window / 1000)),
    });
    t.deepEqual(cluster.circuit_breakers?.thresholds[0]?.retry_budget, {
      budget_percent: { value: Math.round(upstream.retryBudget.ratio * 10_000) / 100 },
      min_retry_concurrency: Math.ceil(upstream.retryBudget.minPerSecond),
    });
    const served = allServices.find((service) => policy.upstreamOf(service) === name);
    t.is(cluster.health_checks?.[0]?.grpc_health_check?.service_name, served?.typeName, `${name} is health-checked over gRPC`);
    t.is(cluster.common_lb_config?.healthy_panic_threshold.value, 0, `${name} fails fast when every endpoint is out`);
  }
  const names = bootstrap.static_resources.clusters.map((cluster) => cluster.name);
  t.deepEqual(names, [...policy.upstreamNames, "no_upstream"]);
});

test("listeners and admin are on the deployment's ports: :8080 and :9901 in compose and locally", (t) => {
  const address = (config: Bootstrap, name: string) => config.static_resources.listeners.find((listener) => listener.name === name)?.address.socket_address;
  t.deepEqual(address(bootstrap, "public"), { address: "0.0.0.0", port_value: manifest.edge.port });
  t.deepEqual(address(bootstrap, "internal"), { address: "0.0.0.0", port_value: manifest.edge.internalPort });
  t.deepEqual(bootstrap.admin.address.socket_address, { address: "0.0.0.0", port_value: manifest.edge.adminPort });
  t.deepEqual(address(local, "public"), { address: "127.0.0.1", port_value: manifest.edge.port });
  t.deepEqual(address(local, "internal"), { address: "127.0.0.1", port_value: manifest.edge.internalPort });
  t.deepEqual(local.admin.address.socket_address, { address: "127.0.0.1", port_value: manifest.edge.adminPort }, "admin on this machine only");
});

test("the local config differs from the compose one only in addresses (and, in development mode, the origins it allows)", (t) => {
  // Outside development mode; the committed local file is rendered in it (npm start's default).
  const localYaml = renderEnvoyYaml({ manifest, policy, publicServices, internalServices, deployment: localDeployment(junction) });
  const withoutAddresses = (yaml: string) =>
    yaml
      .replace(/^#.*\n/gm, "")
      .replace(/(address|uri|type): .*/g, "$1: <deployment>")
      .replace(/^\s*dns_lookup_family: .*\n/gm, "");
  t.is(withoutAddresses(localYaml), withoutAddresses(committed));
  const cluster = local.static_resources.clusters.find((c) => c.name === "users");
  t.deepEqual(cluster?.load_assignment.endpoints[0]?.lb_endpoints[0]?.endpoint.address.socket_address, { address: "127.0.0.1", port_value: policy.upstream("users").port });
});

test("the local deployment follows the environment's ports and limits, as the services and the TypeScript edge read them", (t) => {
  const moved = localDeployment(junction, {
    JUNCTION_EDGE_PORT: "18080",
    JUNCTION_ENVOY_INTERNAL_PORT: "19090",
    JUNCTION_ENVOY_ADMIN_PORT: "19901",
    JUNCTION_ORGS_PORT: "15053",
    JUNCTION_EDGE_RATE_LIMIT_PER_USER: "0",
    JUNCTION_EDGE_CORS_ORIGINS: "https://a.example, https://b.example",
  });
  t.like(moved, { publicPort: 18080, internalPort: 19090, admin: { host: "127.0.0.1", port: 19901 }, rateLimits: { perClientPerMinute: 1200, perUserPerMinute: 0 } });
  t.deepEqual(moved.endpoints.orgs, [{ host: "127.0.0.1", port: 15053 }]);
  const rendered = parse(renderEnvoyYaml({ manifest, policy, publicServices, internalServices, deployment: moved })) as Bootstrap;
  t.is(connectionManager(rendered, "public").http_filters.filter((f) => f.name === "envoy.filters.http.local_ratelimit").length, 1, "a limit of 0 is no limit");
  const host = connectionManager(rendered, "public").route_config.virtual_hosts[0] as unknown as { typed_per_filter_config: Record<string, { allow_origin_string_match: unknown }> };
  t.deepEqual(host.typed_per_filter_config["envoy.filters.http.cors"]?.allow_origin_string_match, [{ exact: "https://a.example" }, { exact: "https://b.example" }]);
});

test("Envoy itself accepts both committed configs (envoy --mode validate)", (t) => {
  for (const config of [ENVOY_FILES.config, ENVOY_FILES.localConfig]) {
    // Envoy reads the edge key from its environment, as compose and npm start give it.
    const env = { ...process.env, JUNCTION_EDGE_KEY: "k".repeat(32) };
    const result = spawnSync(tool("envoy"), ["--mode", "validate", "-c", config, "--log-level", "error"], { cwd: root, encoding: "utf8", env });
    t.is(result.status, 0, `${config}: ${result.stdout}${result.stderr}`);
  }
});

test("rendering is deterministic and the committed envoy/ files are what it produces", (t) => {
  const first = renderEnvoyConfigFor(composeDeployment);
  t.is(renderEnvoyConfigFor(composeDeployment), first, "same inputs, same bytes");
  t.true(first.startsWith("# GENERATED FILE: do not edit by hand."));
  t.is(committed, first, "envoy/envoy.yaml is stale or hand-edited: run `npm run render`");
  t.deepEqual(staleEnvoyFiles(root, renderEnvoyArtifacts(root)), [], "run `npm run render` and commit envoy/");
});

test("the policy drives the routes: a changed method timeout is rendered", (t) => {
  const document = parse(policyYaml) as { upstreams: { orgs: { methods?: Record<string, unknown> } } };
  document.upstreams.orgs = { methods: { "OrgsService/ListMembers": { timeout: "750ms" } } };
  const changed = parse(renderEnvoyYaml({ manifest, policy: CommunicationPolicy.fromObject(document, "policy.yaml", manifest), publicServices, internalServices, deployment: compose })) as Bootstrap;
  const route = pickRoute(routesOf(connectionManager(changed, "public")), { path: "/junction.orgs.v1.OrgsService/ListMembers" });
  t.is(route?.route?.timeout, "0.75s");
});

test("a retry code Envoy cannot retry on is refused, not silently dropped", (t) => {
  const document = parse(policyYaml) as { defaults: { retry: { retryOn: string[] } } };
  document.defaults.retry.retryOn = ["unavailable", "aborted"];
  const error = t.throws(() => renderEnvoyYaml({ manifest, policy: CommunicationPolicy.fromObject(document, "policy.yaml", manifest), publicServices, internalServices, deployment: compose }), {
    instanceOf: EnvoyRenderError,
  });
  t.regex(error?.message ?? "", /ABORTED/);
});
