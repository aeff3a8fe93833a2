// Closed-loop load: `concurrency` workers call back-to-back for `durationMs` after a warm-up,
// recording every latency. Bounded in time; used against loopback servers only.

/** Throughput and latency of one measured path. */
export interface LoadResult {
  calls: number;
  errors: number;
  throughputPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** How hard and how long to push. */
export interface LoadShape {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Drives `call` with `shape` and returns what was measured after the warm-up. */
export async function runLoad(call: () => Promise<unknown>, shape: LoadShape): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  const warmupEnds = Date.now() + shape.warmupMs;
  const ends = warmupEnds + shape.durationMs;
  let firstError: unknown;
  const worker = async () => {
    while (Date.now() < ends) {
      if (!measuring && Date.now() >= warmupEnds) measuring = true;
      const started = performance.now();
      try {
        await call();
        if (measuring) latencies.push(performance.now() - started);
      } catch (error) {
        firstError ??= error;
        if (measuring) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: shape.concurrency }, worker));
  if (latencies.length === 0 && firstError) throw firstError;
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    errors,
    throughputPerSecond: latencies.length / (shape.durationMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** Open-loop arrivals: starts `call` at a fixed rate for `durationMs`, returns each call's result. */
export async function runAtRate<T>(call: (i: number) => Promise<T>, perSecond: number, durationMs: number): Promise<T[]> {
  const total = Math.round((perSecond * durationMs) / 1000);
  const started = performance.now();
  const pending: Array<Promise<T>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(call(i));
  }
  return Promise.all(pending);
}
