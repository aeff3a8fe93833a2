// Client spans for PostgreSQL (node-postgres, which Prisma's pg driver adapter and the event
// backbone's own queries go through) and Redis (ioredis), from OpenTelemetry's instrumentations.
// Installed only when tracing records spans (initTracing), so an untraced process pays nothing.
// The instrumentations patch a module when it is required; by the time a service starts tracing,
// pg and ioredis were already imported (ESM imports of these CommonJS packages bypass the require
// hook), so requiring them once more here patches the loaded copies in place: their prototypes
// are shared with every importer.
import { createRequire } from "node:module";
import type { TracerProvider } from "@opentelemetry/api";
import type * as Instrumentation from "@opentelemetry/instrumentation";
import type * as IORedis from "@opentelemetry/instrumentation-ioredis";
import type * as Pg from "@opentelemetry/instrumentation-pg";

/**
 * The Redis command and the kind of key it touches (`get junction:session:…`): key tails hold
 * user ids, email addresses, client addresses and token hashes, and argument values hold the
 * data itself, so neither reaches a span.
 */
export function redisStatement(command: string, args: readonly unknown[]): string {
  const key = args[0];
  if (/^eval/i.test(command) || typeof key !== "string" || !key.includes(":")) return command;
  return `${command} ${key.split(":").slice(0, 2).join(":")}:…`;
}

/** Starts recording PostgreSQL and Redis client spans under the active span; returns how to stop. */
export function recordDependencySpans(tracerProvider: TracerProvider): () => void {
  const require = createRequire(import.meta.url);
  // Loaded here, with tracing, not with the platform (tracing.ts says why).
  const { registerInstrumentations } = require("@opentelemetry/instrumentation") as typeof Instrumentation;
  const { IORedisInstrumentation } = require("@opentelemetry/instrumentation-ioredis") as typeof IORedis;
  const { PgInstrumentation } = require("@opentelemetry/instrumentation-pg") as typeof Pg;
  const stop = registerInstrumentations({
    tracerProvider,
    instrumentations: [
      // Only inside a traced operation: the outbox relay's and the migrations' own queries start no traces.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: redisStatement }),
    ],
  });
  require("ioredis");
  // pg-pool is pg's dependency, found from pg's own folder.
  createRequire(require.resolve("pg"))("pg-pool");
  require("pg");
  return stop;
}
