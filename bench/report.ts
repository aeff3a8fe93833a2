// The figures of `npm run bench`: each goal's Junction figure next to its peer measured in the
// same run, the ratio and the target; printed as a table and written as JSON.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** One contender's figure: the median of its rounds, with every round kept. */
export interface Figure {
  /** Who was measured, e.g. "bare @grpc/grpc-js server". */
  label: string;
  /** The median over rounds. */
  value: number;
  /** e.g. "req/s", "ms", "MB". */
  unit: string;
  /** One value per round, in the order measured. */
  rounds: number[];
  /** Median latencies and CPU per call, where known. */
  p50Ms?: number;
  p99Ms?: number;
  cpuUsPerCall?: number;
}

/** What "met" means for a goal. */
export type Target =
  /** Junction's value divided by the peer's is at least `value` (throughput). */
  | { kind: "ratio"; value: number }
  /** Junction's value is below `value` (latency, memory, time), whatever the peer's. */
  | { kind: "below"; value: number };

/** One goal: Junction, its peer, the other peers shown for context. */
export interface Comparison {
  goal: string;
  junction: Figure;
  peer: Figure;
  others?: Figure[];
  target: Target;
  /** How it was measured, and anything that qualifies the figure. */
  notes?: string;
}

/** The median of `values` (NaN for none). */
export function median(values: number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/** A figure from per-round samples. */
export function figure(label: string, unit: string, rounds: Array<{ value: number; p50Ms?: number; p99Ms?: number; cpuUsPerCall?: number }>): Figure {
  return {
    label,
    unit,
    value: median(rounds.map((r) => r.value)),
    rounds: rounds.map((r) => r.value),
    p50Ms: median(rounds.map((r) => r.p50Ms ?? NaN)),
    p99Ms: median(rounds.map((r) => r.p99Ms ?? NaN)),
    cpuUsPerCall: median(rounds.map((r) => r.cpuUsPerCall ?? NaN)),
  };
}

/** Junction's value over the peer's. */
export function ratio(c: Comparison): number {
  return c.junction.value / c.peer.value;
}

/** Whether the goal was met in this run. */
export function met(c: Comparison): boolean {
  return c.target.kind === "ratio" ? ratio(c) >= c.target.value : c.junction.value < c.target.value;
}

const num = (n: number | undefined, digits = 0) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : "-");
const range = (f: Figure) => (f.rounds.length > 1 ? `${num(Math.min(...f.rounds), f.value < 100 ? 1 : 0)}–${num(Math.max(...f.rounds), f.value < 100 ? 1 : 0)}` : "");
const show = (f: Figure) => `${num(f.value, f.value < 100 ? 1 : 0)} ${f.unit}${range(f) ? ` (${range(f)})` : ""}`;
const detail = (f: Figure) =>
  [f.p50Ms !== undefined && Number.isFinite(f.p50Ms) ? `p50 ${num(f.p50Ms, 2)} ms` : "", f.p99Ms !== undefined && Number.isFinite(f.p99Ms) ? `p99 ${num(f.p99Ms, 1)} ms` : "", f.cpuUsPerCall !== undefined && Number.isFinite(f.cpuUsPerCall) ? `${num(f.cpuUsPerCall)} µs CPU/call` : ""]
    .filter(Boolean)
    .join(", ");

/** Prints every comparison: the goal's line, then Junction and each peer with its ratio. */
export function printReport(comparisons: Comparison[]): void {
  for (const c of comparisons) {
    const target = c.target.kind === "ratio" ? `≥ ${c.target.value} × peer` : `< ${c.target.value} ${c.junction.unit}`;
    console.log(`\n${c.goal}: ${c.target.kind === "ratio" ? `ratio ${num(ratio(c), 2)}` : `${num(c.junction.value, 1)} ${c.junction.unit}`}, target ${target}: ${met(c) ? "met" : "MISSED"}`);
    const rows = [c.junction, c.peer, ...(c.others ?? [])].map((f, i) => [
      i === 0 ? "junction" : i === 1 ? "peer" : "",
      f.label,
      show(f),
      i === 0 ? "" : `× ${num(c.junction.value / f.value, 2)}`,
      detail(f),
    ]);
    const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) console.log(`  ${r.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join("  ")}`);
    if (c.notes) console.log(`  ${c.notes}`);
  }
}

/** Writes the comparisons as JSON to `path`. */
export function writeReport(path: string, comparisons: Comparison[], context: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  const results = comparisons.map((c) => ({ ...c, ratio: ratio(c), met: met(c) }));
  writeFileSync(path, `${JSON.stringify({ date: new Date().toISOString(), ...context, results }, null, 2)}\n`);
}
