// The endpoint transport a resilient transport wraps: unary calls as gRPC in binary protobuf on
// one HTTP/2 stream each, written and read directly, through the client interceptors (Connect's
// Interceptor type) — without connect-node's per-call async-iterable pipeline, which cost ~5×
// the CPU of the call itself (docs/performance.md). The connection is connect-node's
// Http2SessionManager (connect, keep-alive pings, idle close, reconnect), shared with a plain
// connect-node gRPC transport that carries the streams. Answers are read and validated with
// connect's own gRPC helpers, so callers see the same headers, trailers and errors.
import http2 from "node:http2";
import { fromBinary, toBinary, type DescMessage, type DescMethodStreaming, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type Interceptor, type Transport, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import { findTrailerError, requestHeader, validateResponse, validateTrailer } from "@connectrpc/connect/protocol-grpc";
import { Http2SessionManager, createGrpcTransport } from "@connectrpc/connect-node";
import { COMPRESSED_FLAG, ENVELOPE_HEADER_BYTES, EnvelopeBytes, envelope, interceptedUnaryCall, NEVER_ABORTED } from "../unary-call.js";
import { copyHeaders, HeaderFields, type HeadersInit } from "../header-fields.js";

/** How to reach one endpoint. */
export interface GrpcUnaryTransportOptions {
  /** The endpoint, e.g. http://127.0.0.1:50053. */
  readonly baseUrl: string;
  /** Client interceptors, outermost first. */
  readonly interceptors?: Interceptor[];
  /** Largest response message accepted; larger ones fail with RESOURCE_EXHAUSTED. Default 4 GiB. */
  readonly readMaxBytes?: number;
}

/** A Transport to one endpoint: unary calls written straight to HTTP/2, streams through connect-node on the same connection. */
export function createGrpcUnaryTransport(options: GrpcUnaryTransportOptions): Transport {
  const interceptors = options.interceptors ?? [];
  const base = new URL(options.baseUrl);
  const prefix = base.pathname.replace(/\/$/, "");
  const sessions = new Http2SessionManager(base);
  const readMaxBytes = options.readMaxBytes ?? 0xffffffff;
  const streams = createGrpcTransport({ baseUrl: options.baseUrl, interceptors, sessionManager: sessions, readMaxBytes });

  return {
    unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const path = `${prefix}/${method.parent.typeName}/${method.name}`;
      const deadlineMs = timeoutMs !== undefined && timeoutMs <= 0 ? undefined : timeoutMs;
      return interceptedUnaryCall(
        interceptors,
        { method, url: `${base.origin}${path}`, signal, header: grpcRequestHeader(deadlineMs, header), input, contextValues },
        (req) => send(sessions, path, req, deadlineMs, readMaxBytes),
      );
    },

    stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ) {
      return streams.stream(method, signal, timeoutMs, header, input, contextValues);
    },
  };
}

/** What connect-node's gRPC client sends as its user agent. */
const USER_AGENT = requestHeader(true, undefined, undefined).get("user-agent") ?? "connect-es";

/** The request headers of a gRPC call in binary protobuf, as connect's requestHeader makes them. */
function grpcRequestHeader(timeoutMs: number | undefined, init: HeadersInit | undefined): HeaderFields {
  const result = HeaderFields.from(init);
  result.set("content-type", "application/grpc+proto");
  if (!result.has("user-agent")) result.set("user-agent", USER_AGENT);
  if (timeoutMs !== undefined) result.set("grpc-timeout", `${timeoutMs}m`);
  // Required by the gRPC protocol: it flushes out proxies without trailer support.
  result.set("te", "trailers");
  return result;
}

/** Sends one unary request on its own stream and reads the answer; rejects with the ConnectError a gRPC client would raise. */
function send<I extends DescMessage, O extends DescMessage>(
  sessions: Http2SessionManager,
  path: string,
  req: UnaryRequest<I, O>,
  timeoutMs: number | undefined,
  readMaxBytes: number,
): Promise<UnaryResponse<I, O>> {
  if (req.signal.aborted) return Promise.reject(ConnectError.from(req.signal.reason, Code.Canceled));
  const body = envelope(toBinary(req.method.input, req.message));
  const headers: http2.OutgoingHttpHeaders = { ":method": "POST", ":path": path };
  copyHeaders(req.header, headers);
  return new Promise<UnaryResponse<I, O>>((resolve, reject) => {
    let stream: http2.ClientHttp2Stream | undefined;
    let settled = false;
    const finish = (error?: ConnectError, response?: UnaryResponse<I, O>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal.removeEventListener("abort", onAbort);
      if (error) {
        // The client gave up (deadline, cancel, an answer it cannot use): CANCEL, as connect-node sends.
        // INTERNAL_ERROR would read as a failing connection to a server's upstream-failure handling.
        if (stream && !stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(error);
      } else resolve(response!);
    };
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => finish(new ConnectError("the operation timed out", Code.DeadlineExceeded)), timeoutMs);
    const onAbort = () => finish(ConnectError.from(req.signal.reason, Code.Canceled));
    // A caller without a signal gets the shared never-aborted one: nothing to listen to there.
    if (req.signal !== NEVER_ABORTED) req.signal.addEventListener("abort", onAbort);

    sessions.request("POST", path, headers, {}).then(
      (opened) => {
        stream = opened;
        if (settled) {
          opened.close(http2.constants.NGHTTP2_CANCEL);
          return;
        }
        let status = 0;
        let responseHeaders: Headers | undefined;
        let trailers: Headers | undefined;
        const answerBytes = new EnvelopeBytes(readMaxBytes);
        opened.on("response", (h) => {
          status = Number(h[":status"]);
          responseHeaders = new HeaderFields(h);
        });
        opened.on("data", (chunk: Buffer) => {
          if (!answerBytes.add(chunk)) return finish(answerBytes.tooLargeError());
          sessions.notifyResponseByteRead(opened);
        });
        opened.on("trailers", (h) => (trailers = new HeaderFields(h)));
        opened.on("error", (e: Error) => finish(ConnectError.from(e, Code.Unavailable)));
        opened.on("close", () => {
          if (settled) return;
          if (!responseHeaders) return finish(resetError(opened.rstCode));
          try {
            finish(undefined, answer(req, status, responseHeaders, answerBytes, trailers));
          } catch (error) {
            finish(ConnectError.from(error));
          }
        });
        opened.end(body);
      },
      (reason: unknown) => finish(ConnectError.from(reason, Code.Unavailable)),
    );
  });
}

/** The response of a finished stream, validated as connect's gRPC transport validates it. */
function answer<I extends DescMessage, O extends DescMessage>(req: UnaryRequest<I, O>, status: number, header: Headers, received: EnvelopeBytes, trailers: Headers | undefined): UnaryResponse<I, O> {
  const { headerError } = validateResponse(status, header);
  // A status in the headers counts only in a Trailers-Only response: no message, no trailers after.
  if (headerError && received.empty && trailers === undefined) throw headerError;
  const trailer = trailers ?? new Headers();
  const encoding = header.get("grpc-encoding");
  if (encoding !== null && encoding !== "identity") throw new ConnectError(`unsupported response encoding "${encoding}"`, Code.Internal, header);
  validateTrailer(trailer, header);
  const body = received.bytes();
  if (body.length === 0) throw new ConnectError("protocol error: missing output message for unary method", trailer.has("grpc-status") ? Code.Unimplemented : Code.Unknown);
  const length = body.length >= ENVELOPE_HEADER_BYTES ? body.readUInt32BE(1) : -1;
  if (length < 0 || body.length < ENVELOPE_HEADER_BYTES + length) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  if (body.length > ENVELOPE_HEADER_BYTES + length) throw new ConnectError("protocol error: received extra output message for unary method", Code.Unimplemented);
  if ((body[0]! & COMPRESSED_FLAG) === COMPRESSED_FLAG) throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal);
  let message;
  try {
    message = fromBinary(req.method.output, body.subarray(ENVELOPE_HEADER_BYTES));
  } catch (error) {
    throw new ConnectError(`parse binary: ${(error as Error).message}`, Code.Internal);
  }
  if (findTrailerError(header)) throw new ConnectError("protocol error: received output message for unary method with error status", Code.Unknown);
  return { stream: false, service: req.service, method: req.method, header, message, trailer };
}

/** A stream that closed before any answer, as connect names it (the caller's upstream-failure handling does the rest). */
function resetError(rstCode: number): ConnectError {
  const name = RESET_NAMES[rstCode] ?? "UNKNOWN";
  const text = `http/2 stream closed with error code ${name} (0x${rstCode.toString(16)})`;
  const cause = Object.assign(new Error(text), { code: "ERR_HTTP2_STREAM_ERROR" });
  const code = rstCode === http2.constants.NGHTTP2_CANCEL ? Code.Canceled : rstCode === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM ? Code.ResourceExhausted : Code.Unavailable;
  return new ConnectError(text, code, undefined, undefined, cause);
}

const RESET_NAMES: Record<number, string> = {
  0x0: "NO_ERROR",
  0x1: "PROTOCOL_ERROR",
  0x2: "INTERNAL_ERROR",
  0x7: "REFUSED_STREAM",
  0x8: "CANCEL",
  0xb: "ENHANCE_YOUR_CALM",
};
