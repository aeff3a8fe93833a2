// The client interceptor every outgoing call passes through: it carries the inbound call's
// request id and the user's authorization downstream, and continues the trace.
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { ConnectError, type Interceptor, type StreamRequest, type UnaryRequest } from "@connectrpc/connect";
import { currentCallContext } from "./call-context.js";
import { answeredOk, recordServer } from "./observability/rpc-client-span.js";
import { injectTraceContext, tracer, tracingEnabled } from "./observability/tracing.js";
import { REQUEST_ID_HEADER } from "./server/call-observation.js";

/** A client interceptor that propagates request id, authorization and trace context. */
export function outgoingCall(): Interceptor {
  return (next) => (req) => {
    const call = currentCallContext();
    if (call) {
      if (!req.header.has(REQUEST_ID_HEADER)) req.header.set(REQUEST_ID_HEADER, call.requestId);
      if (call.authorization && !req.header.has("authorization")) req.header.set("authorization", call.authorization);
    }
    if (!tracingEnabled()) {
      // No provider records spans (the default): no span, no promise of its own, the inbound traceparent passed on.
      if (call?.traceparent && !req.header.has("traceparent")) req.header.set("traceparent", call.traceparent);
      return next(req);
    }
    return traced(next, req, call?.traceparent);
  };
}

/** The call inside a client span, with its trace context injected. */
async function traced<T>(next: (req: UnaryRequest | StreamRequest) => Promise<T>, req: UnaryRequest | StreamRequest, inboundTraceparent: string | undefined): Promise<T> {
  const span = tracer().startSpan(`${req.service.typeName}/${req.method.name}`, {
    kind: SpanKind.CLIENT,
    attributes: { "rpc.system": "grpc", "rpc.service": req.service.typeName, "rpc.method": req.method.name },
  });
  recordServer(span, req.url);
  const ctx = trace.setSpan(context.active(), span);
  injectTraceContext(req.header, ctx);
  if (inboundTraceparent && !req.header.has("traceparent")) req.header.set("traceparent", inboundTraceparent);
  try {
    const res = await context.with(ctx, () => next(req));
    answeredOk(span);
    span.end();
    return res;
  } catch (error) {
    const e = ConnectError.from(error);
    span.setAttribute("rpc.grpc.status_code", e.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.rawMessage });
    span.end();
    throw error;
  }
}
