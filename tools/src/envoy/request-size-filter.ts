// The REST request-size limit: a REST body larger than MAX_REQUEST_BODY_BYTES is refused (413,
// with the TypeScript edge's error body: local-replies.ts) before it is transcoded. The buffer
// filter runs before the transcoder, while a REST request is still routed on its REST path (a 405
// or the 404 route); RPC routes switch it off, so gRPC, gRPC-Web and Connect calls stream through
// unbuffered and unlimited, as at the TypeScript edge.
import { MAX_REQUEST_BODY_BYTES } from "@junction/platform";
import { namedExtension, typedConfig, type EnvoyJson } from "./envoy-values.js";

/** The filter's name, also the key of its per-route configuration. */
export const BUFFER_FILTER = "envoy.filters.http.buffer";

/** The buffer filter holding a REST body whole, up to the limit. */
export function requestSizeFilter(): EnvoyJson {
  return namedExtension(BUFFER_FILTER, "envoy.extensions.filters.http.buffer.v3.Buffer", { max_request_bytes: MAX_REQUEST_BODY_BYTES });
}

/** The per-route setting of RPC routes: calls pass unbuffered. */
export function requestSizeUnlimited(): EnvoyJson {
  return typedConfig("envoy.extensions.filters.http.buffer.v3.BufferPerRoute", { disabled: true });
}
