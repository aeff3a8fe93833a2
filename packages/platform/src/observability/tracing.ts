// OpenTelemetry tracing with W3C trace context. One tracer provider per process; spans are
// exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, to stdout with
// JUNCTION_TRACES=console, and to a caller-given exporter in tests. With nowhere to export,
// no provider is installed: spans cost nothing, and the caller's `traceparent` is passed on
// as is through the call context (see passThroughTraceparent) so traces and log lines still
// correlate across services. With a provider, PostgreSQL and Redis calls are spans too
// (dependency-spans.ts).
import { context, propagation, trace, type Context, type Tracer } from "@opentelemetry/api";
import { randomFillSync, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type * as OtlpExporter from "@opentelemetry/exporter-trace-otlp-http";
import type * as Resources from "@opentelemetry/resources";
import type * as TraceNode from "@opentelemetry/sdk-trace-node";
import type { NodeTracerProvider, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { PLATFORM_VERSION } from "../version.js";
import { recordDependencySpans } from "./dependency-spans.js";

let provider: NodeTracerProvider | undefined;

// The SDK is loaded when a process first records spans, not with the platform: an untraced
// service (the default) loads the platform in about 540 ms instead of 590 and holds 10-13 MB less.
const load = createRequire(import.meta.url);
const sdk = {
  traceNode: () => load("@opentelemetry/sdk-trace-node") as typeof TraceNode,
  otlpExporter: () => load("@opentelemetry/exporter-trace-otlp-http") as typeof OtlpExporter,
  resources: () => load("@opentelemetry/resources") as typeof Resources,
};
let stopDependencySpans: (() => void) | undefined;

/** Installs the process's tracer provider once, if spans have somewhere to go; later calls return the first one. */
export function initTracing(service: string, options: { exporter?: SpanExporter } = {}): NodeTracerProvider | undefined {
  if (provider) return provider;
  if (!options.exporter && !process.env.OTEL_EXPORTER_OTLP_ENDPOINT && process.env.JUNCTION_TRACES !== "console") return undefined;
  const { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } = sdk.traceNode();
  const processors: SpanProcessor[] = [];
  if (options.exporter) processors.push(new SimpleSpanProcessor(options.exporter));
  else if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) processors.push(new BatchSpanProcessor(new (sdk.otlpExporter().OTLPTraceExporter)()));
  else if (process.env.JUNCTION_TRACES === "console") processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  provider = new NodeTracerProvider({ resource: sdk.resources().resourceFromAttributes({ [ATTR_SERVICE_NAME]: service, [ATTR_SERVICE_VERSION]: PLATFORM_VERSION, "service.instance.id": randomUUID() }), spanProcessors: processors });
  // Registers the W3C trace-context propagator and the AsyncLocalStorage context manager.
  provider.register();
  stopDependencySpans = recordDependencySpans(provider);
  return provider;
}

/** True when this process records spans. */
export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/**
 * The `traceparent` a server passes on when it records no spans: the caller's, or a new root
 * (so the calls and events of one request still share a trace id in every service's logs).
 */
export function passThroughTraceparent(inbound: string | null | undefined): string {
  if (inbound && /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(inbound)) return inbound;
  return `00-${randomHex(16)}-${randomHex(8)}-00`;
}

// A new root per request that brings none: one randomBytes call per id was 7% of a service's CPU
// under load (docs/performance.md); ids are cut from a pool refilled 4 KiB at a time instead.
const entropy = Buffer.alloc(4096);
let entropyUsed = entropy.length;

/** `bytes` random bytes as lowercase hex. */
function randomHex(bytes: number): string {
  if (entropyUsed + bytes > entropy.length) {
    randomFillSync(entropy);
    entropyUsed = 0;
  }
  const hex = entropy.toString("hex", entropyUsed, entropyUsed + bytes);
  entropyUsed += bytes;
  return hex;
}

/** The trace id of a `traceparent`. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent?.split("-")[1];
}

/** Flushes and stops the tracer provider, if one was installed. */
export async function shutdownTracing(): Promise<void> {
  stopDependencySpans?.();
  stopDependencySpans = undefined;
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
