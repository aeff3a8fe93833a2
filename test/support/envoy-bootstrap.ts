// The parts of a rendered Envoy bootstrap the tests read, typed, and a route matcher that picks
// the route Envoy would pick for a request (first match wins; exact path, prefix, whole-path
// regex, header matchers).

export interface HeaderMatcher {
  name: string;
  string_match?: { exact?: string; safe_regex?: { regex: string } };
  present_match?: boolean;
}

export interface RetryPolicyJson {
  retry_on: string;
  num_retries: number;
  retry_back_off: { base_interval: string; max_interval: string };
}

export interface Route {
  name: string;
  match: { path?: string; prefix?: string; safe_regex?: { regex: string }; headers?: HeaderMatcher[] };
  typed_per_filter_config?: Record<string, { "@type": string; [field: string]: unknown }>;
  response_headers_to_add?: Array<{ header: { key: string; value: string } }>;
  route?: { cluster: string; timeout?: string; max_stream_duration?: object; retry_policy?: RetryPolicyJson };
  direct_response?: { status: number; body?: { inline_string?: string; filename?: string } };
}

export interface HttpFilter {
  name: string;
  typed_config: { "@type": string; [field: string]: unknown };
}

export interface ConnectionManager {
  stat_prefix: string;
  use_remote_address?: boolean;
  xff_num_trusted_hops?: number;
  generate_request_id?: boolean;
  preserve_external_request_id?: boolean;
  always_set_request_id_in_response?: boolean;
  request_headers_timeout?: string;
  common_http_protocol_options?: { idle_timeout?: string; headers_with_underscores_action?: string };
  internal_address_config?: { unix_sockets: boolean; cidr_ranges?: Array<{ address_prefix: string; prefix_len: number }> };
  local_reply_config?: { mappers: Array<{ filter: { extension_filter: { typed_config: { expression: string } } }; status_code?: number }> };
  route_config: { name: string; max_direct_response_body_size_bytes?: number; request_headers_to_remove?: string[]; virtual_hosts: Array<{ routes: Route[] }> };
  http_filters: HttpFilter[];
}

export interface Listener {
  name: string;
  address: { socket_address: { address: string; port_value: number } };
  filter_chains: Array<{ filters: Array<{ name: string; typed_config: ConnectionManager }> }>;
}

export interface Cluster {
  name: string;
  type: string;
  load_assignment: { endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { address: string; port_value: number } } } }> }> };
  typed_extension_protocol_options?: Record<string, { explicit_http_config?: { http2_protocol_options?: object } }>;
  common_lb_config?: { healthy_panic_threshold: { value: number } };
  circuit_breakers?: { thresholds: Array<{ retry_budget?: { budget_percent: { value: number }; min_retry_concurrency: number } }> };
  outlier_detection?: Record<string, number | string>;
  health_checks?: Array<{ grpc_health_check?: { service_name: string } }>;
}

export interface Bootstrap {
  admin: { address: { socket_address: { address: string; port_value: number } } };
  static_resources: { listeners: Listener[]; clusters: Cluster[] };
}

/** A request as route matching sees it. */
export interface RouteRequest {
  path: string;
  method?: string;
  headers?: Record<string, string>;
}

/** The connection manager of the listener named `name`. */
export function connectionManager(bootstrap: Bootstrap, name: string): ConnectionManager {
  const listener = bootstrap.static_resources.listeners.find((candidate) => candidate.name === name);
  if (!listener) throw new Error(`no listener named ${name}`);
  return listener.filter_chains[0]!.filters[0]!.typed_config;
}

/** Every route of a connection manager's (single) virtual host, in order. */
export function routesOf(manager: ConnectionManager): Route[] {
  return manager.route_config.virtual_hosts.flatMap((host) => host.routes);
}

/** The HTTP filter named `name`, or undefined. */
export function filterOf(manager: ConnectionManager, name: string): HttpFilter | undefined {
  return manager.http_filters.find((filter) => filter.name === name);
}

/** The typed config of the HTTP filter named `name`, read as `T`; throws when there is no such filter. */
export function filterConfig<T>(manager: ConnectionManager, name: string): T {
  const filter = filterOf(manager, name);
  if (!filter) throw new Error(`no ${name} filter on the ${manager.stat_prefix} listener`);
  return filter.typed_config as unknown as T;
}

function headerMatches(matcher: HeaderMatcher, request: RouteRequest): boolean {
  const value = matcher.name === ":method" ? (request.method ?? "POST") : request.headers?.[matcher.name];
  if (matcher.present_match) return value !== undefined;
  if (matcher.string_match?.safe_regex) return value !== undefined && new RegExp(`^(${matcher.string_match.safe_regex.regex})$`).test(value);
  if (matcher.string_match) return value === matcher.string_match.exact;
  throw new Error(`header matcher not understood by the test: ${JSON.stringify(matcher)}`);
}

/** The route Envoy picks for `request`: the first whose path/prefix and header matchers all match. */
export function pickRoute(routes: readonly Route[], request: RouteRequest): Route | undefined {
  return routes.find((route) => {
    const { path, prefix, safe_regex: regex, headers = [] } = route.match;
    const pathMatches =
      path !== undefined ? request.path === path : regex !== undefined ? new RegExp(regex.regex).test(request.path) : prefix !== undefined && request.path.startsWith(prefix);
    return pathMatches && headers.every((matcher) => headerMatches(matcher, request));
  });
}
