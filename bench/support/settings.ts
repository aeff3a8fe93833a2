// How long and how often a benchmark run measures, and how its processes run.
import type { RunMode } from "./processes.js";

/** The settings of one `npm run bench`. */
export interface BenchSettings {
  /** compiled (dist/, measured) or tsx (--smoke: checks that every scenario still runs). */
  mode: RunMode;
  /** Rounds per comparison; contenders take turns in every round, so drift hits them alike. */
  rounds: number;
  /** Seconds each contender is measured per round, after `warmupSeconds`. */
  seconds: number;
  warmupSeconds: number;
  smoke: boolean;
}

/** Runs `contenders` in turn for `rounds` rounds and returns each one's samples, in round order. */
export async function inTurns<T>(rounds: number, contenders: Record<string, () => Promise<T>>): Promise<Record<string, T[]>> {
  const samples: Record<string, T[]> = Object.fromEntries(Object.keys(contenders).map((name) => [name, [] as T[]]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, measure] of Object.entries(contenders)) {
      process.stderr.write(`  round ${round + 1}/${rounds}: ${name}\n`);
      samples[name]!.push(await measure());
    }
  }
  return samples;
}
