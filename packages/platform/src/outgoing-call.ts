// The client interceptor every outgoing call passes through: it carries the inbound call's
// request id and the user's authorization downstream, and continues the trace.
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { currentCallContext } from "./call-context.js";
import { answeredOk, recordServer } from "./observability/rpc-client-span.js";
import { injectTraceContext, tracer } from "./observability/tracing.js";
import { REQUEST_ID_HEADER } from "./server/call-observation.js";

/** A client interceptor that propagates request id, authorization and trace context. */
export function outgoingCall(): Interceptor {
  return (next) => async (req) => {
    const call = currentCallContext();
    if (call) {
      if (!req.header.has(REQUEST_ID_HEADER)) req.header.set(REQUEST_ID_HEADER, call.requestId);
      if (call.authorization && !req.header.has("authorization")) req.header.set("authorization", call.authorization);
    }
    const span = tracer().startSpan(`${req.service.typeName}/${req.method.name}`, {
      kind: SpanKind.CLIENT,
      attributes: { "rpc.system": "grpc", "rpc.service": req.service.typeName, "rpc.method": req.method.name },
    });
    recordServer(span, req.url);
    const ctx = trace.setSpan(context.active(), span);
    injectTraceContext(req.header, ctx);
    if (call?.traceparent && !req.header.has("traceparent")) req.header.set("traceparent", call.traceparent);
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
  };
}
