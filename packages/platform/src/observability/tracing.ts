// OpenTelemetry tracing with W3C trace context. One tracer provider per process; spans are
// exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, to stdout with
// JUNCTION_TRACES=console, and to a caller-given exporter in tests.
import { context, propagation, trace, type Context, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

let provider: NodeTracerProvider | undefined;

/** Installs the process's tracer provider once; later calls return the first one. */
export function initTracing(service: string, options: { exporter?: SpanExporter } = {}): NodeTracerProvider {
  if (provider) return provider;
  const processors: SpanProcessor[] = [];
  if (options.exporter) processors.push(new SimpleSpanProcessor(options.exporter));
  else if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  else if (process.env.JUNCTION_TRACES === "console") processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }),
    spanProcessors: processors,
    // With nowhere to export, spans are not recorded: ids and W3C context still flow (logs carry
    // trace ids, callers' traces continue), without the cost of building spans nobody reads.
    sampler: new ParentBasedSampler({ root: processors.length > 0 ? new AlwaysOnSampler() : new AlwaysOffSampler() }),
  });
  // Registers the W3C trace-context propagator and the AsyncLocalStorage context manager.
  provider.register();
  return provider;
}

/** Flushes and stops the tracer provider, if one was installed. */
export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
}

/** The platform's tracer. */
export function tracer(): Tracer {
  return trace.getTracer("junction");
}

/** Writes the active trace context (traceparent, tracestate) into `carrier`. */
export function injectTraceContext(carrier: Record<string, string> | Headers, ctx: Context = context.active()): void {
  propagation.inject(ctx, carrier, {
    set: (c, key, value) => (c instanceof Headers ? c.set(key, value) : (c[key] = value)),
  });
}

/** Reads a trace context from `carrier` (headers of an RPC or a NATS message). */
export function extractTraceContext(carrier: { get(key: string): string | null | undefined }): Context {
  return propagation.extract(context.active(), carrier, {
    get: (c, key) => c.get(key) ?? undefined,
    keys: () => ["traceparent", "tracestate"],
  });
}
