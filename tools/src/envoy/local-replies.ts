// Envoy's own replies (no route, wrong verb, missing or bad token, rate limited, body too large,
// bad JSON, upstream timeout or unavailable, malformed requests) in the platform's error shapes,
// with the HTTP status, code, message and details the TypeScript edge gives, built from the same
// errors (edge-replies.ts, access-tokens.ts). Each case becomes one local_reply_config mapper per
// protocol the caller spoke, because Envoy shapes a local reply as gRPC only for HTTP/2 gRPC:
//   gRPC          a trailers-only reply: grpc-status and grpc-status-details-bin, the body as grpc-message
//   gRPC-Web      a headers-only 200 with grpc-status, grpc-message and grpc-status-details-bin
//   Connect       its JSON error; a server stream gets a 200 with the end-of-stream message instead
//   REST          google.rpc.Status JSON {code, message, details}
// The caller's protocol is read from filter state recorded first in the chain, because by the time
// a later filter replies, grpc_web and the transcoder have rewritten the request's content-type.
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, endStreamFlag, endStreamToJson, errorToJson } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { accessTokenErrors, BODY_TOO_LARGE_STATUS, edgeReplies, errorBody, httpStatusOf, invalidArgument, RATE_LIMIT_NAME_HEADER } from "@junction/platform";
import { namedExtension, type EnvoyJson } from "./envoy-values.js";
import { EnvoyRenderError } from "./render-error.js";

/** Filter-state keys holding what the caller sent before any filter changed it. */
export const CALLER_PROTOCOL_STATE = {
  /** The first 16 characters of the content-type: "application/grpc" for gRPC and every gRPC-Web variant. */
  contentType16: "junction.edge.content_type_16",
  /** The first 20: "application/grpc-web" for gRPC-Web, "application/connect+" for Connect streams. */
  contentType20: "junction.edge.content_type_20",
  /** The Connect-Protocol-Version header ("1" from every Connect client), or "-". */
  connectVersion: "junction.edge.connect_protocol_version",
} as const;

/** Envoy's request-line values inside messages, in its formatter syntax. */
const METHOD = "%REQ(:METHOD)%";
const PATH = "%PATH(NQ)%";

/** One case Envoy answers itself. */
export interface OwnReply {
  /** Names the case in tests and docs. */
  readonly name: string;
  /** A CEL expression over the response (and request) that is true exactly in this case. */
  readonly when: string;
  /** What a REST caller gets, as the TypeScript edge builds it (Envoy format operators allowed in the message). */
  readonly error: ConnectError;
  /** What gRPC and Connect callers get when it differs from `error`; its message must be fixed text. */
  readonly rpcError?: ConnectError;
  /** The HTTP status for REST callers when it is not the code's usual one. */
  readonly status?: number;
  /** The HTTP status for Connect callers, unary and streaming, when it is not the code's usual one. */
  readonly connectStatus?: number;
  /** Extra response headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

const jwtDenied = (reason: string) => `response.code_details == 'jwt_authn_access_denied{${reason}}'`;
const rateLimited = (limit: string) => `response.code_details == 'local_rate_limited' && response.headers['${RATE_LIMIT_NAME_HEADER}'] == '${limit}'`;

/** Every case, first match first. `retryAfterSeconds` is what a rate-limited caller is told to wait. */
export function ownReplies(retryAfterSeconds: number): OwnReply[] {
  const retryAfter = { "retry-after": String(retryAfterSeconds) };
  const noRoute = edgeReplies.noRoute(METHOD, PATH);
  return [
    { name: "token missing", when: jwtDenied("Jwt_is_missing"), error: accessTokenErrors.missing() },
    { name: "token expired", when: jwtDenied("Jwt_is_expired"), error: accessTokenErrors.expired() },
    { name: "keys unavailable", when: jwtDenied("Jwks_remote_fetch_is_failed"), error: accessTokenErrors.keysUnavailable() },
    { name: "token invalid", when: "response.code_details.startsWith('jwt_authn_access_denied')", error: accessTokenErrors.invalid() },
    { name: "rate limited per client", when: rateLimited("client"), error: edgeReplies.rateLimited("client"), headers: retryAfter },
    { name: "rate limited per user", when: rateLimited("user"), error: edgeReplies.rateLimited("user"), headers: retryAfter },
    // The buffer filter's limit on REST bodies: 413 with the TypeScript edge's error.
    { name: "body too large", when: "response.code == 413", error: edgeReplies.bodyTooLarge(), status: BODY_TOO_LARGE_STATUS },
    {
      name: "bad REST request",
      when: "response.code_details.startsWith('grpc_json_transcode_failure') || response.code_details.startsWith('early_grpc_json_transcode_failure')",
      // The transcoder says what is wrong in its own words; no field is named.
      error: invalidArgument([], "%LOCAL_REPLY_BODY%"),
      // Only REST requests are transcoded; an RPC caller never sees this.
      rpcError: new ConnectError("the request could not be transcoded", Code.InvalidArgument),
    },
    {
      name: "no route",
      when: "response.code_details == 'direct_response' && response.code == 404",
      error: noRoute,
      // An RPC nobody serves is UNIMPLEMENTED to gRPC and Connect clients, in a 404 (as Connect servers answer it).
      rpcError: edgeReplies.unknownRpc(),
      connectStatus: 404,
    },
    {
      name: "method not allowed",
      when: "response.code_details == 'direct_response' && response.code == 405",
      error: edgeReplies.methodNotAllowed(METHOD, PATH),
      status: 405,
      // 405 routes match REST paths only; an RPC path never reaches one.
      rpcError: edgeReplies.unknownRpc(),
    },
    { name: "upstream timeout", when: "response.code == 504", error: edgeReplies.upstreamTimeout() },
    { name: "upstream unavailable", when: "response.code == 503", error: edgeReplies.upstreamUnavailable() },
    // Requests Envoy refuses before any filter runs (escaped slashes, bad headers) and anything else.
    { name: "malformed request", when: "response.code == 400", error: edgeReplies.malformedRequest() },
    { name: "anything else", when: "true", error: edgeReplies.unexpected(), status: 500 },
  ];
}

// CEL over the filter state recorded by callerProtocolFilter(); `in` first, so a reply made
// before that filter ran (a malformed request) counts as REST rather than failing the expression.
const stateIs = (key: string, value: string) => `('${key}' in filter_state && filter_state['${key}'] == b'${value}')`;
const grpcWeb = stateIs(CALLER_PROTOCOL_STATE.contentType20, "application/grpc-web");
const grpc = `(${stateIs(CALLER_PROTOCOL_STATE.contentType16, "application/grpc")} && !${grpcWeb})`;
const connectStream = stateIs(CALLER_PROTOCOL_STATE.contentType20, "application/connect+");
const connectUnary = `(${stateIs(CALLER_PROTOCOL_STATE.connectVersion, "1")} && !${connectStream})`;
const rest = `!${grpcWeb} && !${grpc} && !${connectStream} && !${connectUnary}`;

function celFilter(expression: string): EnvoyJson {
  return {
    extension_filter: namedExtension("envoy.access_loggers.extension_filters.cel", "envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter", {
      expression,
    }),
  };
}

function headerOptions(headers: Readonly<Record<string, string>>): EnvoyJson[] {
  return Object.entries(headers).map(([key, value]) => ({ header: { key, value }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }));
}

// Literal text inside an Envoy format string.
const literal = (text: string) => text.replaceAll("%", "%%");

/** Headers of an error that clients act on, sent with it whatever the protocol (the TypeScript edge does the same). */
const ERROR_HEADERS = ["retry-after"];

function mapper(reply: OwnReply, caller: string, rewrite: EnvoyJson): EnvoyJson {
  const errorHeaders = Object.fromEntries(ERROR_HEADERS.flatMap((name) => (reply.error.metadata.has(name) ? [[name, reply.error.metadata.get(name)!]] : [])));
  const headers = { ...errorHeaders, ...reply.headers, ...(rewrite.headers as Record<string, string> | undefined) };
  delete rewrite.headers;
  return {
    filter: celFilter(`(${reply.when}) && ${caller}`),
    ...(Object.keys(headers).length > 0 ? { headers_to_add: headerOptions(headers) } : {}),
    ...rewrite,
  };
}

// The grpc-status, grpc-message and grpc-status-details-bin of `error`.
function grpcStatusHeaders(error: ConnectError): Record<string, string> {
  return Object.fromEntries(setTrailerStatus(new Headers(), error).entries());
}

function connectStreamEnd(error: ConnectError): string {
  const json = new TextEncoder().encode(JSON.stringify(endStreamToJson(new Headers(), error, undefined)));
  const envelope = new Uint8Array(5 + json.length);
  envelope[0] = endStreamFlag;
  new DataView(envelope.buffer).setUint32(1, json.length);
  envelope.set(json, 5);
  return Buffer.from(envelope).toString("base64");
}

/** The mappers of one case: gRPC, gRPC-Web, Connect streams, Connect, then REST (everyone else). */
export function renderOwnReply(reply: OwnReply): EnvoyJson[] {
  const rpcError = reply.rpcError ?? reply.error;
  if (rpcError.rawMessage.includes("%")) throw new EnvoyRenderError(`local reply "${reply.name}": gRPC and Connect callers need a fixed message`);
  const { "grpc-message": grpcMessage, ...grpcStatus } = grpcStatusHeaders(rpcError);
  const echoContentType = { "content-type": "%REQ(content-type)%" };
  const connectJson = { json_format: errorToJson(rpcError, undefined), content_type: "application/json" };
  const connectStatus = reply.connectStatus ?? codeToHttpStatus(rpcError.code);
  return [
    mapper(reply, grpc, { headers: grpcStatus, body_format_override: { text_format_source: { inline_string: literal(rpcError.rawMessage) } } }),
    mapper(reply, grpcWeb, {
      headers: { ...grpcStatus, "grpc-message": literal(grpcMessage ?? ""), ...echoContentType },
      status_code: 200,
      body_format_override: { text_format_source: { inline_string: "" } },
    }),
    reply.connectStatus === undefined
      ? mapper(reply, connectStream, { headers: echoContentType, status_code: 200, body_format_override: { text_format_source: { inline_bytes: connectStreamEnd(rpcError) } } })
      : mapper(reply, connectStream, { status_code: connectStatus, body_format_override: connectJson }),
    mapper(reply, connectUnary, { status_code: connectStatus, body_format_override: connectJson }),
    mapper(reply, rest, {
      status_code: reply.status ?? httpStatusOf(reply.error.code),
      body_format_override: { json_format: errorBody(reply.error), content_type: "application/json" },
    }),
  ];
}

/** The replies the internal listener can make: it checks no tokens, limits no rates and transcodes nothing. */
export const INTERNAL_LISTENER_REPLIES = ["no route", "upstream timeout", "upstream unavailable", "malformed request", "anything else"] as const;

// A route's own successful direct response (the OpenAPI document) is an answer, not an error:
// it matches first and is left as it is, so no later case turns it into an error.
function servedAsIs(): EnvoyJson {
  return { filter: celFilter("response.code_details == 'direct_response' && response.code == 200") };
}

/** The connection manager's local_reply_config, with only the cases named in `only` when given. */
export function renderLocalReplyConfig(retryAfterSeconds: number, only?: readonly string[]): EnvoyJson {
  const replies = ownReplies(retryAfterSeconds).filter((reply) => only === undefined || only.includes(reply.name));
  return { mappers: [...(only === undefined ? [servedAsIs()] : []), ...replies.flatMap(renderOwnReply)] };
}

/** The filter that records the caller's protocol in filter state, first in the chain. */
export function callerProtocolFilter(): EnvoyJson {
  const record = (key: string, format: string) => ({
    object_key: key,
    factory_key: "envoy.string",
    format_string: { text_format_source: { inline_string: format } },
  });
  return namedExtension("envoy.filters.http.set_filter_state", "envoy.extensions.filters.http.set_filter_state.v3.Config", {
    on_request_headers: [
      record(CALLER_PROTOCOL_STATE.contentType16, "%REQ(content-type):16%"),
      record(CALLER_PROTOCOL_STATE.contentType20, "%REQ(content-type):20%"),
      record(CALLER_PROTOCOL_STATE.connectVersion, "%REQ(connect-protocol-version)%"),
    ],
  });
}
