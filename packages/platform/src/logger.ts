// Structured JSON logs (pino). Every line carries the service and, inside a call, the
// request id and trace id, so one request can be followed across services.
import { trace } from "@opentelemetry/api";
import { pino, type Logger, type LoggerOptions } from "pino";
import { currentCallContext } from "./call-context.js";
import { redactSecrets } from "./observability/redaction.js";
import { traceIdOf } from "./observability/tracing.js";

export type { Logger } from "pino";

/**
 * A logger for `service`; LOG_LEVEL sets the level (default info). Lines go to stdout unless
 * `fd` says otherwise: a process whose stdout is a protocol channel logs to stderr (fd 2).
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? "info", fd?: number): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Secret headers and the contracts' sensitive fields, at any depth (observability/redaction.ts).
    formatters: { log: (object) => redactSecrets(object) },
    mixin() {
      const fields: Record<string, string> = {};
      const call = currentCallContext();
      if (call) fields.request_id = call.requestId;
      const span = trace.getActiveSpan()?.spanContext();
      const traceId = span?.traceId ?? traceIdOf(call?.traceparent);
      if (traceId) fields.trace_id = traceId;
      return fields;
    },
  };
  return fd === undefined ? pino(options) : pino(options, pino.destination(fd));
}
