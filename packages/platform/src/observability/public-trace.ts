// Traces at the public edge, and span status by gRPC code, per OpenTelemetry's conventions.
// A caller outside chooses nothing about our traces: its `traceparent` would otherwise pick the
// trace id, and its `-00` flag would switch recording off in every service. The edge starts a new
// trace and keeps the caller's context as a span link, so the two can still be joined.
import { Code } from "@connectrpc/connect";
import { ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Link, type Span } from "@opentelemetry/api";
import { extractTraceContext } from "./tracing.js";

/** The parent (none: a new trace) and the link to the caller's context, for a span the public edge starts. */
export function publicEdgeTraceStart(carrier: { get(key: string): string | null | undefined }): { parent: Context; links: Link[] } {
  const caller = trace.getSpanContext(extractTraceContext(carrier));
  return { parent: ROOT_CONTEXT, links: caller && trace.isSpanContextValid(caller) ? [{ context: caller }] : [] };
}

// Server-side failures; the other codes are the caller's doing and leave a server span unset.
const SERVER_FAULTS = new Set([Code.Unknown, Code.DeadlineExceeded, Code.Unimplemented, Code.Internal, Code.Unavailable, Code.DataLoss]);

/** Sets `rpc.grpc.status_code` (0 for OK) and, for server-side failures only, ERROR on a server span. */
export function endServerSpan(span: Span, code: Code | undefined, message?: string): void {
  span.setAttribute("rpc.grpc.status_code", code ?? 0);
  if (code !== undefined && SERVER_FAULTS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message });
}
