// The first server interceptor of every call: opens the call context (deadline, request id,
// caller's authorization), a server span continuing the caller's trace, records latency by
// code, and turns unexpected exceptions into INTERNAL with a log line instead of a leaked stack.
import { randomUUID } from "node:crypto";
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { Code, type ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { runInCallContext, type CallContext } from "../call-context.js";
import { toClientError } from "../errors.js";
import type { FailureKind } from "../failure-kind.js";
import type { Logger } from "../logger.js";
import { rpcServerDuration } from "../observability/metrics.js";
import { extractTraceContext, passThroughTraceparent, tracer, tracingEnabled } from "../observability/tracing.js";
import { inboundTimeoutMs } from "./inbound-deadline.js";

/** Header carrying the request id on requests and responses. */
export const REQUEST_ID_HEADER = "x-request-id";

const codeName = (code: Code) => Code[code] ?? String(code);

/** A server interceptor that observes every call and keeps unexpected errors inside. */
export function callObservation(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const timeoutMs = inboundTimeoutMs(req.header);
    const requestId = req.header.get(REQUEST_ID_HEADER) || randomUUID();
    const call: CallContext = {
      service: req.service.typeName,
      method: req.method.name,
      deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
      signal: req.signal,
      requestId,
      authorization: req.header.get("authorization") ?? undefined,
      traceparent: tracingEnabled() ? undefined : passThroughTraceparent(req.header.get("traceparent")),
    };
    const span = tracer().startSpan(
      `${req.service.typeName}/${req.method.name}`,
      { kind: SpanKind.SERVER, attributes: { "rpc.system": "grpc", "rpc.service": req.service.typeName, "rpc.method": req.method.name, "junction.request_id": requestId } },
      extractTraceContext(req.header),
    );
    const finish = (error?: ConnectError) => {
      const code = error ? error.code : undefined;
      rpcServerDuration.observe(
        { rpc_service: req.service.typeName, rpc_method: req.method.name, code: code === undefined ? "OK" : codeName(code) },
        (performance.now() - started) / 1000,
      );
      if (error) {
        span.setAttribute("rpc.grpc.status_code", error.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.rawMessage });
      }
      span.end();
    };
    const unexpected = (error: unknown, kind: FailureKind) =>
      kind === "infrastructure"
        ? logger.warn({ err: error, rpc: `${req.service.typeName}/${req.method.name}`, request_id: requestId }, "a dependency did not answer; answered UNAVAILABLE")
        : logger.error({ err: error, rpc: `${req.service.typeName}/${req.method.name}`, request_id: requestId }, "unexpected error in handler");

    return context.with(trace.setSpan(context.active(), span), () =>
      runInCallContext(call, async () => {
        try {
          const res = await next(req);
          res.header.set(REQUEST_ID_HEADER, requestId);
          if (!res.stream) {
            finish();
            return res;
          }
          return { ...res, message: observeStream(res, finish, unexpected) } satisfies StreamResponse;
        } catch (error) {
          const clientError = toClientError(error, unexpected);
          clientError.metadata.set(REQUEST_ID_HEADER, requestId);
          finish(clientError);
          throw clientError;
        }
      }),
    );
  };
}

async function* observeStream<T>(
  res: StreamResponse,
  finish: (error?: ConnectError) => void,
  unexpected: (error: unknown, kind: FailureKind) => void,
): AsyncIterable<T> {
  try {
    for await (const message of res.message) yield message as T;
    finish();
  } catch (error) {
    const clientError = toClientError(error, unexpected);
    finish(clientError);
    throw clientError;
  }
}
