// Open-loop arrivals and latency summaries for the benchmarks that drive load from the harness
// itself (a fixed rate of registrations): bounded in time, loopback only.

/** Throughput and latency of one measured path. */
export interface LoadResult {
  calls: number;
  errors: number;
  throughputPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Throughput and p50/p99 of `latencies` (ms) recorded over `elapsedMs`; sorts `latencies`. */
export function summarizeLatencies(latencies: number[], elapsedMs: number, errors = 0): LoadResult {
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { calls: latencies.length, errors, throughputPerSecond: latencies.length / (elapsedMs / 1000), p50Ms: at(50), p99Ms: at(99) };
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
