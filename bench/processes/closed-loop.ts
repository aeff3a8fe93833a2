// A Node caller's load: `concurrency` callers call back-to-back for `seconds` after a warm-up,
// each latency recorded; prints one JSON line with throughput, p50/p99 and this process's CPU
// per call. Used where the caller is the thing measured (a service calling a service).
import { parseArgs } from "node:util";

/** What one caller process measured. */
export interface CallerResult {
  calls: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time this process spent per successful call, in microseconds. */
  cpuUsPerCall: number;
  firstError?: string;
}

/** The shape of the load, from the command line: --concurrency, --seconds, --warmup. */
export function loadShape(
  args = process.argv.slice(2),
  extra: string[] = ["pipeline", "count"],
): { concurrency: number; seconds: number; warmup: number; values: Record<string, string | undefined> } {
  // Every option takes a value: undeclared ones would parse as flags and lose it.
  const { values } = parseArgs({
    args,
    strict: false,
    options: {
      concurrency: { type: "string", default: "64" },
      seconds: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      ...Object.fromEntries(extra.map((name) => [name, { type: "string" as const }])),
    },
  });
  return { concurrency: Number(values.concurrency), seconds: Number(values.seconds), warmup: Number(values.warmup), values: values as Record<string, string | undefined> };
}

/** Runs the closed loop and returns what was measured after the warm-up. */
export async function closedLoop(call: () => Promise<unknown>, shape: { concurrency: number; seconds: number; warmup: number }): Promise<CallerResult> {
  let measuring = false;
  let errors = 0;
  let firstError: unknown;
  const latencies: number[] = [];
  const run = async (until: number) => {
    while (Date.now() < until) {
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
  await Promise.all(Array.from({ length: shape.concurrency }, () => run(Date.now() + shape.warmup * 1000)));
  measuring = true;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: shape.concurrency }, () => run(Date.now() + shape.seconds * 1000)));
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return {
    calls: latencies.length,
    errors,
    perSecond: latencies.length / (elapsed / 1000),
    p50Ms: at(50),
    p99Ms: at(99),
    cpuUsPerCall: latencies.length > 0 ? (used.user + used.system) / latencies.length : NaN,
    firstError: firstError === undefined ? undefined : String((firstError as Error).message ?? firstError),
  };
}

/** Prints `result` as the one JSON line the benchmark reads. */
export function report(result: CallerResult): void {
  console.log(`result ${JSON.stringify(result)}`);
}
