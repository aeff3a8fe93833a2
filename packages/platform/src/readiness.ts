// Readiness: can this process do its work right now? Each dependency (Postgres, Redis, NATS)
// is probed with a short timeout; /readyz answers 200 only when every probe passes.

/** One dependency probe; rejects when the dependency is not usable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<unknown>;
}

/** The outcome of every probe. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, "ok" | string>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not answer within ${ms}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = 1000): Promise<ReadinessReport> {
  const results = await Promise.allSettled(checks.map((c) => withTimeout(c.check(), timeoutMs, c.name)));
  const report: ReadinessReport = { ready: true, checks: {} };
  results.forEach((result, i) => {
    const name = checks[i]!.name;
    if (result.status === "fulfilled") report.checks[name] = "ok";
    else {
      report.ready = false;
      report.checks[name] = shortCause(result.reason);
    }
  });
  return report;
}

/** Postgres is ready when a trivial query answers. */
export function postgresReadiness(query: () => Promise<unknown>): ReadinessCheck {
  return { name: "postgres", check: query };
}

/** Redis is ready when PING answers. */
export function redisReadiness(redis: { ping(): Promise<string> }): ReadinessCheck {
  return { name: "redis", check: () => redis.ping() };
}

/** NATS is ready when the connection is open and a round trip to the server completes. */
export function natsReadiness(nats: { isClosed(): boolean; flush(): Promise<void> }): ReadinessCheck {
  return {
    name: "nats",
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
