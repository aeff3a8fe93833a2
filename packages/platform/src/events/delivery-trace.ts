// A delivery's place in its event's trace: the context its headers carry (the consumer's
// `process` spans continue it), and dead-lettering as a span of that trace (OpenTelemetry's
// messaging "settle" operation), so a trace shows where its event ended when every attempt failed.
import { context, SpanKind, SpanStatusCode, trace, type Context } from "@opentelemetry/api";
import { type JsMsg, Match } from "nats";
import { extractTraceContext, tracer } from "../observability/tracing.js";

/** The trace context a delivered message carries in its headers. */
export function traceContextOf(msg: JsMsg): Context {
  return extractTraceContext({ get: (key) => (msg.headers?.has(key, Match.IgnoreCase) ? msg.headers.get(key, Match.IgnoreCase) : undefined) });
}

/** Runs `park` (which answers the dead letter's sequence, or undefined when it could not be stored) in a `dead_letter <type>` span. */
export async function inDeadLetterSpan(msg: JsMsg, consumer: string, type: string, park: () => Promise<number | undefined>): Promise<number | undefined> {
  const parent = traceContextOf(msg);
  const span = tracer().startSpan(
    `dead_letter ${type}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "messaging.system": "nats",
        "messaging.operation.type": "settle",
        "messaging.operation.name": "dead_letter",
        "messaging.destination.name": msg.subject,
        "messaging.consumer.group.name": consumer,
        "messaging.message.delivery_count": msg.info.deliveryCount,
      },
    },
    parent,
  );
  try {
    const seq = await context.with(trace.setSpan(parent, span), park);
    if (seq === undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: "the dead-letter stream could not be written" });
    else span.setAttribute("junction.dead_letter.sequence", seq);
    return seq;
  } finally {
    span.end();
  }
}
