// Readiness: can this process do its work right now? Each dependency (Postgres, Redis, NATS)
// is probed with a short timeout. Only a required one makes the process not ready: without its
// database a service can answer nothing, but without Redis or NATS it still serves (requests
// that need Redis fail alone and fast; the outbox keeps events until NATS is back). Taking every
// instance out of routing for a dependency they all share would turn a partial outage into a
// whole one, so those probes only mark the process degraded.

/** One dependency probe; rejects when the dependency is not usable. */
export interface ReadinessCheck {
  readonly name: string;
  /** False when the process still serves without it (degraded, not unready). Default true. */
  readonly required?: boolean;
  check(): Promise<unknown>;
}

/** The outcome of every probe: ready when every required one passed. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, "ok" | string>;
}

/** "ready", "degraded" (ready, but a dependency it can do without fails) or "not ready". */
export function readinessStatus(report: ReadinessReport): "ready" | "degraded" | "not ready" {
  if (!report.ready) return "not ready";
  return Object.values(report.checks).every((result) => result === "ok") ? "ready" : "degraded";
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not answer within ${ms}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check in parallel, each bounded by `timeoutMs`; only required checks decide `ready`. */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = 1000): Promise<ReadinessReport> {
  const results = await Promise.allSettled(checks.map((c) => withTimeout(c.check(), timeoutMs, c.name)));
  const report: ReadinessReport = { ready: true, checks: {} };
  results.forEach((result, i) => {
    const name = checks[i]!.name;
    if (result.status === "fulfilled") report.checks[name] = "ok";
    else {
      if (checks[i]!.required !== false) report.ready = false;
      report.checks[name] = shortCause(result.reason);
    }
  });
  return report;
}

/** Postgres is ready when a trivial query answers. */
export function postgresReadiness(query: () => Promise<unknown>): ReadinessCheck {
  return { name: "postgres", check: query };
}

/** Redis is up when PING answers; not required: without it only the requests that use it fail. */
export function redisReadiness(redis: { ping(): Promise<string> }): ReadinessCheck {
  return { name: "redis", required: false, check: () => redis.ping() };
}

/** NATS is up when the connection is open and a round trip completes; not required: the outbox keeps events meanwhile. */
export function natsReadiness(nats: { isClosed(): boolean; flush(): Promise<void> }): ReadinessCheck {
  return {
    name: "nats",
    required: false,
    check: async () => {
      if (nats.isClosed()) throw new Error("connection closed");
      await nats.flush();
    },
  };
}

/** A probe's failure in one short line: the first line of its message, without addresses. */
export function shortCause(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.trim();
  const plain = text.replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b|\[[0-9a-f:]+\](:\d+)?/gi, "<address>");
  return plain.length > 160 ? `${plain.slice(0, 157)}...` : plain || "failed";
}
