// The REST side of the edge: match a route from the descriptors, build the request message,
// admit the caller, call the owning service through its resilient transport (policy timeout
// and retries), and answer proto3 JSON — or a google.rpc.Status JSON error with its status.
// A request that cannot be decoded is refused before the token is looked at, as Envoy's
// transcoder (which runs before jwt_authn) refuses it.
import type http from "node:http";
import type http2 from "node:http2";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { type AccessTokenVerifier, asClientError, edgeReplies, errorBody, IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, type HttpHandler, type Logger, logAccess, MAX_REQUEST_BODY_BYTES, observeServerCall, passThroughTraceparent, publicEdgeTraceStart, type RouteTable, runInCallContext, tracer, tracingEnabled } from "@junction/platform";
import { admit } from "../access.js";
import { callerProtocol, sendCallerError, sendError, sendJson } from "../protocol-replies.js";
import { decodeRestRequest, encodeRestResponse } from "./transcoder.js";

type Request = http.IncomingMessage | http2.Http2ServerRequest;

/** What the REST gateway needs. */
export interface RestGatewayOptions {
  routes: RouteTable;
  /** The transport to the service that owns `typeName`. */
  transportFor(typeName: string): Transport;
  verifier: AccessTokenVerifier;
  logger: Logger;
}

// Paths are compared as Envoy compares them: repeated slashes merged, and an escaped slash or
// backslash (which would let a variable span segments) refused.
const ESCAPED_SLASH = /%2f|%5c/i;
function requestUrl(req: Request): URL | undefined {
  const raw = req.url ?? "/";
  const query = raw.indexOf("?");
  const path = query < 0 ? raw : raw.slice(0, query);
  if (ESCAPED_SLASH.test(path)) return undefined;
  return new URL(path.replace(/\/{2,}/g, "/") + (query < 0 ? "" : raw.slice(query)), "http://edge");
}

async function readBody(req: Request): Promise<string> {
  // A declared length over the limit is refused before a byte of it is read.
  if (Number(header(req, "content-length") ?? 0) > MAX_REQUEST_BODY_BYTES) throw edgeReplies.bodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BODY_BYTES) throw edgeReplies.bodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const header = (req: Request, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The HTTP handler for REST routes. */
export function restGateway(options: RestGatewayOptions): HttpHandler {
  return (req, res) => {
    const url = requestUrl(req);
    if (!url) return sendError(res, edgeReplies.malformedRequest());
    const found = options.routes.find(req.method ?? "GET", url.pathname);
    // An RPC nobody serves is UNIMPLEMENTED to gRPC and Connect callers, in a 404 (as Connect servers answer it).
    if (!found && callerProtocol(req) !== "rest") return sendCallerError(req, res, edgeReplies.unknownRpc(), 404);
    // The path as the caller wrote it (slashes not merged), as Envoy names it.
    if (!found) return sendError(res, edgeReplies.noRoute(req.method ?? "GET", (req.url ?? "/").split("?")[0]!));
    if ("allowed" in found) {
      (res as http.ServerResponse).setHeader("allow", found.allowed.join(", "));
      return sendJson(res, 405, errorBody(edgeReplies.methodNotAllowed(req.method ?? "GET", url.pathname)));
    }
    const { method } = found.route;
    const requestId = header(req, "x-request-id")!;
    const authorization = header(req, "authorization");
    // A new trace, linked to any the client sent (observability/public-trace.ts); named as HTTP server spans are.
    const start = publicEdgeTraceStart({ get: (key) => header(req, key) });
    const span = tracer().startSpan(`${found.route.httpMethod} ${found.route.template.source}`, {
      kind: SpanKind.SERVER,
      links: start.links,
      attributes: { "http.request.method": found.route.httpMethod, "http.route": found.route.template.source, "junction.request_id": requestId },
    }, start.parent);
    const controller = new AbortController();
    // Only a client that left before its answer cancels the call; aborting every finished one
    // built a DOMException with its stack per request (docs/performance.md).
    res.on("close", () => {
      if (!res.writableFinished) controller.abort(CLIENT_WENT_AWAY);
    });
    const traceparent = tracingEnabled() ? undefined : passThroughTraceparent(undefined);
    const started = performance.now();
    let code = "OK";
    let user: string | undefined;
    const call = { service: method.parent.typeName, method: method.name, signal: controller.signal, requestId, authorization, traceparent };
    void context.with(trace.setSpan(context.active(), span), () =>
      runInCallContext(call, async () => {
        try {
          const input = decodeRestRequest(found, { query: url.searchParams, body: method.methodKind === "unary" ? await readBody(req) : "" });
          user = (await admit(method, authorization, options.verifier, `http://${header(req, "host") ?? header(req, ":authority")}${req.url}`))?.userId;
          const headers = new Headers();
          for (const name of ["x-forwarded-for", IDEMPOTENCY_KEY_HEADER]) {
            const value = header(req, name);
            if (value) headers.set(name, value);
          }
          const transport = options.transportFor(method.parent.typeName);
          const response = await transport.unary(method as never, controller.signal, undefined, headers, input as never);
          const replayed = response.header.get(IDEMPOTENT_REPLAYED_HEADER);
          sendJson(res, 200, encodeRestResponse(found, response.message), replayed ? { [IDEMPOTENT_REPLAYED_HEADER]: replayed } : {});
        } catch (error) {
          const clientError = asClientError(error);
          if (!(error instanceof ConnectError)) options.logger.error({ err: error, request_id: requestId }, "unexpected error in REST gateway");
          code = Code[clientError.code] ?? String(clientError.code);
          sendError(res, clientError);
        } finally {
          // The REST call is served here, not by the edge's RPC server: it is recorded as the RPC it maps to.
          const status = (res as http.ServerResponse).statusCode;
          span.setAttribute("http.response.status_code", status);
          // HTTP server spans are errors for 5xx only: a 4xx is the client's doing.
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          const durationMs = performance.now() - started;
          observeServerCall(method.parent.typeName, method.name, code, durationMs / 1000);
          const route = `${found.route.httpMethod} ${found.route.template.source}`;
          logAccess(options.logger, { route, code, status, durationMs, requestId, span, user });
          span.end();
        }
      }),
    );
  };
}

/** Why a REST call is cancelled when its client disconnects before the answer. */
const CLIENT_WENT_AWAY = new ConnectError("the client went away", Code.Canceled);
