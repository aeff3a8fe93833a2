// The first server interceptor of every call: opens the call context (deadline, request id,
// caller's authorization), a server span continuing the caller's trace, records latency by
// code, and turns unexpected exceptions into INTERNAL with a log line instead of a leaked stack
// (a call its client abandoned is CANCELED, without one).
import { randomUUID } from "node:crypto";
import { INVALID_SPAN_CONTEXT, SpanKind, context, trace } from "@opentelemetry/api";
import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import type { DescService } from "@bufbuild/protobuf";
import { runInCallContext, type CallContext } from "../call-context.js";
import { toClientError } from "../errors.js";
import type { FailureKind } from "../failure-kind.js";
import type { Logger } from "../logger.js";
import { callingServiceKey } from "../identity/service-credentials.js";
import { userClaimsKey } from "../identity/caller.js";
import { logAccess } from "../observability/access-log.js";
import { rpcServerDuration } from "../observability/metrics.js";
import { endServerSpan, publicEdgeTraceStart } from "../observability/public-trace.js";
import { extractTraceContext, passThroughTraceparent, tracer, tracingEnabled } from "../observability/tracing.js";
import { inboundTimeoutMs } from "./inbound-deadline.js";

/** Header carrying the request id on requests and responses. */
export const REQUEST_ID_HEADER = "x-request-id";

const codeName = (code: Code) => Code[code] ?? String(code);

/** Node's errors for writing to, or reading from, a call whose client has already gone. */
const CLIENT_GONE = new Set(["ERR_STREAM_PREMATURE_CLOSE", "ERR_STREAM_DESTROYED", "ERR_HTTP2_INVALID_STREAM", "ERR_HTTP2_STREAM_ERROR", "ECONNRESET", "EPIPE"]);

/**
 * What the client may see of a failed call. A call the client abandoned (cancelled, reset,
 * disconnected) is CANCELED, not an unexpected INTERNAL: the handler's writes fail with Node's
 * stream errors then, and that is no bug to log.
 */
function observedError(error: unknown, signal: AbortSignal, unexpected: (error: unknown, kind: FailureKind) => void): ConnectError {
  if (error instanceof ConnectError) return error;
  if (signal.aborted || CLIENT_GONE.has((error as NodeJS.ErrnoException | undefined)?.code ?? "")) {
    return ConnectError.from(signal.aborted ? signal.reason : error, Code.Canceled);
  }
  return toClientError(error, unexpected);
}

/** A server interceptor that observes every call and keeps unexpected errors inside; at the public edge (`publicEdge`) each call starts a new trace linked to the caller's. */
export function callObservation(logger: Logger, publicEdge = false): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const timeoutMs = inboundTimeoutMs(req.header);
    const requestId = req.header.get(REQUEST_ID_HEADER) || randomUUID();
    const traced = tracingEnabled();
    const call = new InboundCall(req, timeoutMs === undefined ? undefined : Date.now() + timeoutMs, requestId, traced, publicEdge);
    const span = traced ? serverSpan(req, requestId, publicEdge) : UNTRACED;
    const finish = (error?: ConnectError) => {
      const code = error ? error.code : undefined;
      rpcServerDuration.observe(
        { rpc_service: req.service.typeName, rpc_method: req.method.name, code: code === undefined ? "OK" : codeName(code) },
        (performance.now() - started) / 1000,
      );
      endServerSpan(span, code, error?.rawMessage);
      const verified = { caller: req.contextValues.get(callingServiceKey), user: req.contextValues.get(userClaimsKey)?.userId };
      logAccess(logger, { rpc: `${req.service.typeName}/${req.method.name}`, code: code === undefined ? "OK" : codeName(code), durationMs: performance.now() - started, requestId, span, ...verified });
      span.end();
    };
    const unexpected = (error: unknown, kind: FailureKind) =>
      kind === "infrastructure"
        ? logger.warn({ err: error, rpc: `${req.service.typeName}/${req.method.name}`, request_id: requestId }, "a dependency did not answer; answered UNAVAILABLE")
        : logger.error({ err: error, rpc: `${req.service.typeName}/${req.method.name}`, request_id: requestId }, "unexpected error in handler");

    const observed = () =>
      runInCallContext(call, async () => {
        try {
          const res = await next(req);
          res.header.set(REQUEST_ID_HEADER, requestId);
          if (!res.stream) {
            finish();
            return res;
          }
          return { ...res, message: observeStream(res, finish, (error) => observedError(error, req.signal, unexpected)) } satisfies StreamResponse;
        } catch (error) {
          const clientError = observedError(error, req.signal, unexpected);
          clientError.metadata.set(REQUEST_ID_HEADER, requestId);
          finish(clientError);
          throw clientError;
        }
      });
    // Untraced (no provider), there is no span to make active: the call context carries the traceparent.
    return traced ? context.with(trace.setSpan(context.active(), span), observed) : observed();
  };
}

/**
 * The call context of one inbound call. Its signal and traceparent are read when something asks
 * (the lean paths make a call's signal on demand; a new root traceparent costs random bytes), as
 * getters on a class: an object literal with getters is built on V8's slow path, every call.
 */
class InboundCall implements CallContext {
  readonly service: string;
  readonly method: string;
  readonly authorization: string | undefined;
  #traceparent: string | undefined | null = null;

  constructor(
    private readonly req: { readonly service: DescService; readonly method: { readonly name: string }; readonly header: Headers; readonly signal: AbortSignal },
    readonly deadline: number | undefined,
    readonly requestId: string,
    private readonly traced: boolean,
    private readonly publicEdge: boolean,
  ) {
    this.service = req.service.typeName;
    this.method = req.method.name;
    this.authorization = req.header.get("authorization") ?? undefined;
  }

  get signal(): AbortSignal {
    return this.req.signal;
  }

  get traceparent(): string | undefined {
    if (this.#traceparent === null) this.#traceparent = this.traced ? undefined : passThroughTraceparent(this.publicEdge ? undefined : this.req.header.get("traceparent"));
    return this.#traceparent;
  }
}

/** What calls carry where no tracer provider records spans: no span, at no cost per call. */
const UNTRACED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** The call's server span, continuing the caller's trace (or, at the public edge, linking it). */
function serverSpan(req: Parameters<Parameters<Interceptor>[0]>[0], requestId: string, publicEdge: boolean) {
  const start = publicEdge ? publicEdgeTraceStart(req.header) : { parent: extractTraceContext(req.header), links: [] };
  return tracer().startSpan(
    `${req.service.typeName}/${req.method.name}`,
    { kind: SpanKind.SERVER, links: start.links, attributes: { "rpc.system": "grpc", "rpc.service": req.service.typeName, "rpc.method": req.method.name, "junction.request_id": requestId } },
    start.parent,
  );
}

async function* observeStream<T>(
  res: StreamResponse,
  finish: (error?: ConnectError) => void,
  observed: (error: unknown) => ConnectError,
): AsyncIterable<T> {
  try {
    for await (const message of res.message) yield message as T;
    finish();
  } catch (error) {
    const clientError = observed(error);
    finish(clientError);
    throw clientError;
  }
}
