// Unary gRPC calls in binary protobuf over HTTP/2, served straight from node:http2 streams and
// run through the server's interceptors (unary-routes.ts): the calls services make to each other
// and Envoy makes for the edge, without connect-node's per-call async-iterable pipeline (see
// docs/performance.md). Everything else on the port — Connect, gRPC-Web, gRPC with JSON or
// compression, streams, HTTP/1.1, unknown paths — goes to connect-node as before. Answers match
// connect-node's, but for two things: an error before any message is Trailers-Only (as
// trailers-only.ts makes connect-node's), and a request that is not valid protobuf is
// INVALID_ARGUMENT, where connect-node answers INTERNAL.
import http2 from "node:http2";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { COMPRESSED_FLAG, ENVELOPE_HEADER_BYTES, EnvelopeBytes, envelope } from "../unary-call.js";
import { copyHeaders, HeaderFields } from "../header-fields.js";
import type { UnaryRoute, UnaryRoutes } from "./unary-routes.js";

/** The content type of every answer, as connect-node sends it. */
const CONTENT_TYPE = "application/grpc+proto";

/** How the path serves. */
export interface GrpcUnaryPathOptions {
  readonly routes: UnaryRoutes;
  /** Longest grpc-timeout accepted; longer ones are INVALID_ARGUMENT, as connect-node answers. */
  readonly maxTimeoutMs: number;
  /** Largest request message; default connect-node's (4 GiB). */
  readonly readMaxBytes?: number;
  /** Called when a call starts on a stream and when its stream closes, for in-flight accounting. */
  readonly onStreamOpen?: (stream: http2.ServerHttp2Stream) => void;
}

/** The route for a request these headers describe, when this path serves it; undefined sends it to connect-node. */
export function grpcUnaryRouteFor(routes: UnaryRoutes, headers: http2.IncomingHttpHeaders): UnaryRoute | undefined {
  if (headers[":method"] !== "POST") return undefined;
  const contentType = headers["content-type"];
  if (contentType !== "application/grpc" && contentType !== "application/grpc+proto") return undefined;
  const encoding = headers["grpc-encoding"];
  if (encoding !== undefined && encoding !== "identity") return undefined;
  return routes.get(headers[":path"] ?? "");
}

/**
 * Makes `server` (created with a request listener, i.e. in compatibility mode) serve unary gRPC
 * streams itself and pass every other stream to its request listener as before. Returns false,
 * changing nothing, if the server's stream listeners are not the one Node's compatibility layer adds.
 */
export function serveUnaryGrpcFirst(server: http2.Http2Server, options: GrpcUnaryPathOptions): boolean {
  const compatibility = server.listeners("stream");
  if (compatibility.length !== 1) return false;
  const toCompatibility = compatibility[0] as (...args: unknown[]) => void;
  server.removeAllListeners("stream");
  server.on("stream", function (this: http2.Http2Server, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, ...rest: unknown[]) {
    // No request may end the process (request-guard.ts does this for the compatibility path).
    try {
      const route = grpcUnaryRouteFor(options.routes, headers);
      if (route === undefined) toCompatibility.call(this, stream, headers, ...rest);
      else serveUnaryGrpc(stream, headers, route, options);
    } catch (error) {
      answerError(stream, undefined, ConnectError.from(error, Code.Internal));
    }
  });
  return true;
}

/** Serves one unary gRPC call on `stream`. */
export function serveUnaryGrpc(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, route: UnaryRoute, options: GrpcUnaryPathOptions): void {
  const receivedAt = Date.now();
  const readMaxBytes = options.readMaxBytes ?? 0xffffffff;
  options.onStreamOpen?.(stream);
  stream.on("error", ignore); // a reset or a write after the peer left; the call is cancelled below
  const body = new EnvelopeBytes(readMaxBytes);
  stream.on("data", (chunk: Buffer) => {
    if (body.tooLarge || body.add(chunk)) return;
    // Refused by its length prefix: answer now, and stop the client sending the rest.
    answerError(stream, undefined, body.tooLargeError());
    setImmediate(() => stopReading(stream));
  });
  stream.once("end", () => {
    if (body.tooLarge) return;
    const timeout = parseTimeout(single(headers["grpc-timeout"]), options.maxTimeoutMs);
    if (timeout.error) return answerError(stream, undefined, timeout.error);
    let message: ReturnType<typeof fromBinary>;
    try {
      message = parseUnaryRequest(route, body.bytes(), readMaxBytes);
    } catch (error) {
      return answerError(stream, undefined, ConnectError.from(error, Code.InvalidArgument));
    }
    const call = route.start({
      message,
      header: new HeaderFields(headers),
      timeoutMs: timeout.timeoutMs === undefined ? undefined : timeout.timeoutMs - (Date.now() - receivedAt),
      url: `http://${single(headers[":authority"]) ?? single(headers.host) ?? "localhost"}${headers[":path"]}`,
    });
    let done = false;
    stream.once("close", () => {
      if (!done) call.cancel(resetError(stream.rstCode));
    });
    call.result.then(
      (result) => {
        done = true;
        if (stream.destroyed || stream.closed) return;
        let body: Uint8Array;
        try {
          body = toBinary(route.method.output, result.message);
        } catch (error) {
          return answerError(stream, result.header, new ConnectError(`serialize binary: ${(error as Error).message}`, Code.Internal));
        }
        const trailer = copyHeaders(result.trailer);
        trailer["grpc-status"] = "0";
        const head = copyHeaders(result.header, { ":status": 200 });
        head["content-type"] = CONTENT_TYPE;
        stream.respond(head, { waitForTrailers: true });
        stream.once("wantTrailers", () => stream.sendTrailers(trailer));
        stream.end(envelope(body));
      },
      (error: unknown) => {
        done = true;
        answerError(stream, call.header, error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error), call.trailer);
      },
    );
  });
}

/** The one request message of a unary call, from its enveloped body. */
function parseUnaryRequest(route: UnaryRoute, body: Buffer, readMaxBytes: number): ReturnType<typeof fromBinary> {
  if (body.length === 0) throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
  if (body.length < ENVELOPE_HEADER_BYTES) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  const flags = body[0]!;
  const length = body.readUInt32BE(1);
  if (length > readMaxBytes) throw new ConnectError(`message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
  const end = ENVELOPE_HEADER_BYTES + length;
  if (body.length < end) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  if ((flags & COMPRESSED_FLAG) === COMPRESSED_FLAG) throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal);
  if (body.length > end) {
    const rest = body.subarray(end);
    const complete = rest.length >= ENVELOPE_HEADER_BYTES && rest.length >= ENVELOPE_HEADER_BYTES + rest.readUInt32BE(1);
    throw complete
      ? new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented)
      : new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  }
  try {
    return fromBinary(route.method.input, body.subarray(ENVELOPE_HEADER_BYTES, end));
  } catch (error) {
    // Bytes that are not the request message are the caller's mistake, not the server's.
    throw new ConnectError(`parse binary: ${(error as Error).message}`, Code.InvalidArgument);
  }
}

/** Ends `stream` with `error` as a Trailers-Only response: the status in the one HEADERS frame. */
function answerError(stream: http2.ServerHttp2Stream, header: Headers | undefined, error: ConnectError, trailer?: Headers): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  const status = setTrailerStatus(new Headers(trailer), error);
  const head = copyHeaders(status, header ? copyHeaders(header) : {});
  head[":status"] = 200;
  head["content-type"] = CONTENT_TYPE;
  stream.respond(head, { endStream: true });
}

/** Ends a stream whose request is no longer read: RST_STREAM NO_ERROR tells the client to stop sending. */
function stopReading(stream: http2.ServerHttp2Stream): void {
  if (stream.closed) return;
  stream.close(http2.constants.NGHTTP2_NO_ERROR);
  // What was already received would otherwise keep the stream (and the in-flight count) open.
  stream.destroy();
}

function single(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/** Why a call ends when its stream closed before the answer: connect-node's mapping of HTTP/2 reset codes. */
function resetError(rstCode: number): ConnectError {
  const text = `http/2 stream closed with error code 0x${rstCode.toString(16)}`;
  switch (rstCode) {
    case 0x7: // REFUSED_STREAM
      return new ConnectError(text, Code.Unavailable);
    case 0x8: // CANCEL
      return new ConnectError(text, Code.Canceled);
    case 0xb: // ENHANCE_YOUR_CALM
      return new ConnectError(text, Code.ResourceExhausted);
    case 0xc: // INADEQUATE_SECURITY
    case 0xd: // HTTP_1_1_REQUIRED
      return new ConnectError(text, Code.PermissionDenied);
    case 0x0: // NO_ERROR: the stream closed without a reset
      return new ConnectError("the client went away", Code.Canceled);
    default:
      return new ConnectError(text, Code.Internal);
  }
}

function ignore(): void {}
