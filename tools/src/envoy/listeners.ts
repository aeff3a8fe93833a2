// Envoy's two listeners. The public one faces outside clients: it trusts nothing they send
// (client address, x-envoy-* control headers, request ids, service tokens). The internal one
// carries service-to-service gRPC on the compose network and keeps the caller's request id, so
// one id follows a request through every hop.
import { DEFAULT_CONNECTION_TIMEOUTS, REQUEST_ID_HEADER } from "@junction/platform";
import { namedExtension, type EnvoyJson } from "./envoy-values.js";
import { INTERNAL_LISTENER_REPLIES, renderLocalReplyConfig } from "./local-replies.js";
import { RATE_LIMIT_WINDOW_SECONDS } from "./rate-limit-filters.js";

/** What differs between the two listeners. */
export interface ListenerParts {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly routeConfig: EnvoyJson;
  readonly httpFilters: readonly EnvoyJson[];
}

// One JSON line per request on stdout, with what an operator looks for first.
function accessLog(listener: string): EnvoyJson[] {
  return [
    namedExtension("envoy.access_loggers.stdout", "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog", {
      log_format: {
        json_format: {
          time: "%START_TIME%",
          listener,
          request_id: `%REQ(${REQUEST_ID_HEADER.toUpperCase()})%`,
          traceparent: "%REQ(TRACEPARENT)%",
          method: "%REQ(:METHOD)%",
          // The REST path a client sent, not the gRPC path the transcoder made of it.
          path: "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
          route: "%ROUTE_NAME%",
          protocol: "%PROTOCOL%",
          status: "%RESPONSE_CODE%",
          grpc_status: "%GRPC_STATUS%",
          flags: "%RESPONSE_FLAGS%",
          // Why Envoy answered as it did (e.g. jwt_authn_access_denied{Jwt_is_missing}, via_upstream).
          details: "%RESPONSE_CODE_DETAILS%",
          duration_ms: "%DURATION%",
          upstream: "%UPSTREAM_CLUSTER%",
          attempts: "%UPSTREAM_REQUEST_ATTEMPT_COUNT%",
          client: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
          // The verified token's subject (jwt_authn's payload), as the TypeScript edge's `user`; never the token.
          user: "%DYNAMIC_METADATA(envoy.filters.http.jwt_authn:jwt_payload:sub)%",
        },
      },
    }),
  ];
}

function listener(parts: ListenerParts, connectionManager: EnvoyJson): EnvoyJson {
  return {
    name: parts.name,
    address: { socket_address: { address: parts.host, port_value: parts.port } },
    filter_chains: [
      {
        filters: [
          namedExtension(
            "envoy.filters.network.http_connection_manager",
            "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
            {
              stat_prefix: parts.name,
              // HTTP/1.1 and HTTP/2 (h2c prior knowledge, as gRPC clients speak it) on one port.
              codec_type: "AUTO",
              // Slow clients, bounded as the services bound them (packages/platform/src/server/connection-timeouts.ts):
              // a request head within the headers timeout, a connection with no request open closed when idle.
              // An open stream is bounded by stream_idle_timeout (Envoy's default, 5 minutes without a frame).
              request_headers_timeout: DEFAULT_CONNECTION_TIMEOUTS.headers,
              ...connectionManager,
              common_http_protocol_options: { ...(connectionManager.common_http_protocol_options as EnvoyJson | undefined), idle_timeout: DEFAULT_CONNECTION_TIMEOUTS.idle },
              access_log: accessLog(parts.name),
              route_config: parts.routeConfig,
              http_filters: parts.httpFilters,
            },
          ),
        ],
      },
    ],
  };
}

/** The listener outside clients reach. */
export function renderPublicListener(parts: ListenerParts): EnvoyJson {
  return listener(parts, {
    // The client address is the TCP peer; an x-forwarded-for the client sent is not believed.
    use_remote_address: true,
    xff_num_trusted_hops: 0,
    // No peer counts as internal, not even a loopback or RFC 1918 one (Docker's NAT makes every
    // outside client look like one), so x-envoy-* control headers and request ids from clients
    // are never trusted. Envoy treats loopback and RFC 1918 peers as internal unless told which
    // ranges are; the one range given is TEST-NET-1's first address, which no client has.
    internal_address_config: { unix_sockets: false, cidr_ranges: [{ address_prefix: "192.0.2.0", prefix_len: 32 }] },
    // Every request gets a fresh id, returned on the response, whatever id the client sent.
    generate_request_id: true,
    preserve_external_request_id: false,
    always_set_request_id_in_response: true,
    // Paths are normalized before routing and the jwt_authn rules, so `/a/../b` or `//b` or
    // an escaped slash cannot reach a route its literal spelling would not.
    normalize_path: true,
    merge_slashes: true,
    path_with_escaped_slashes_action: "REJECT_REQUEST",
    common_http_protocol_options: { headers_with_underscores_action: "DROP_HEADER" },
    // Envoy's own replies in the platform's error shapes.
    local_reply_config: renderLocalReplyConfig(RATE_LIMIT_WINDOW_SECONDS),
  });
}

/** The listener services call each other through; not published outside the compose network. */
export function renderInternalListener(parts: ListenerParts): EnvoyJson {
  return listener(parts, {
    use_remote_address: true,
    // The calling service forwards the request id of the call it is serving; keep it.
    generate_request_id: true,
    preserve_external_request_id: true,
    always_set_request_id_in_response: true,
    // A timeout is DEADLINE_EXCEEDED and a missing upstream UNAVAILABLE to the calling service too.
    local_reply_config: renderLocalReplyConfig(RATE_LIMIT_WINDOW_SECONDS, INTERNAL_LISTENER_REPLIES),
  });
}

/** Envoy's admin interface at `host`:`port`. */
export function renderAdmin(host: string, port: number): EnvoyJson {
  return { address: { socket_address: { address: host, port_value: port } } };
}
