// One access line per call, from every service and the edge, in the same fields Envoy's access
// log uses where it can (tools/src/envoy/listeners.ts): what was called, how it ended, how long
// it took, the trace, span and request ids, and who called: the verified calling service and/or
// user subject, never a token. JUNCTION_ACCESS_LOG_LEVEL sets the level the lines are logged at
// (default info): "debug" hides them under the default LOG_LEVEL, "silent" drops them. A health
// check that succeeds is logged a level lower (debug by default): Envoy and orchestrators probe
// every few seconds, and those lines would outnumber the calls anyone reads the log for.
import { isValidTraceId, type Span } from "@opentelemetry/api";
import { envEnum, loadConfig } from "../config.js";
import { currentCallContext } from "../call-context.js";
import type { Logger } from "../logger.js";
import { traceIdOf } from "./tracing.js";

/** The levels access lines can be logged at. */
const ACCESS_LOG_LEVELS = ["trace", "debug", "info", "silent"] as const;

/** The level of access lines from JUNCTION_ACCESS_LOG_LEVEL (default info). */
export function accessLogLevel(env: NodeJS.ProcessEnv = process.env): (typeof ACCESS_LOG_LEVELS)[number] {
  return loadConfig({ level: envEnum("JUNCTION_ACCESS_LOG_LEVEL", ACCESS_LOG_LEVELS, "info") }, env).level;
}

/** What one access line says; `rpc` for calls (package.Service/Method), `route` for REST ("POST /v1/..."). */
export interface AccessEntry {
  readonly rpc?: string;
  readonly route?: string;
  /** The gRPC code's name ("OK", "Unauthenticated", ...). */
  readonly code: string;
  /** The HTTP status, for REST. */
  readonly status?: number;
  readonly durationMs: number;
  readonly requestId: string;
  readonly span: Span;
  /** The verified calling service, if a service called. */
  readonly caller?: string;
  /** The verified user subject, if a user's token came with the call. */
  readonly user?: string;
}

let configured: ReturnType<typeof accessLogLevel> | undefined;

const HEALTH_RPC_PREFIX = "grpc.health.v1.Health/";
const LOWER_LEVEL = { info: "debug", debug: "trace", trace: "trace", silent: "silent" } as const;

/** Logs one access line for a finished call. */
export function logAccess(logger: Logger, entry: AccessEntry): void {
  configured ??= accessLogLevel();
  const probe = entry.code === "OK" && entry.rpc?.startsWith(HEALTH_RPC_PREFIX) === true;
  const level = probe ? LOWER_LEVEL[configured] : configured;
  if (level === "silent" || !logger.isLevelEnabled(level)) return;
  const span = entry.span.spanContext();
  logger[level](
    {
      rpc: entry.rpc,
      route: entry.route,
      code: entry.code,
      status: entry.status,
      duration_ms: Math.round(entry.durationMs * 10) / 10,
      request_id: entry.requestId,
      // Without a tracer provider the span only carries the caller's context (or none): the trace
      // id is then the one passed on downstream, and there is no span id of ours.
      trace_id: isValidTraceId(span.traceId) ? span.traceId : traceIdOf(currentCallContext()?.traceparent),
      ...(entry.span.isRecording() ? { span_id: span.spanId } : {}),
      caller: entry.caller,
      user: entry.user,
    },
    "access",
  );
}
