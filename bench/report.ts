// Prints the comparison table and writes it as JSON.
import { mkdirSync, writeFileSync } from "node:fs";
import type { LoadResult } from "./load.js";

/** A Junction path measured next to its raw baseline in the same run. */
export interface Comparison {
  name: string;
  junction: LoadResult;
  baseline: LoadResult;
  baselineName: string;
  /** The throughput ratio this turn aims for, or the p99 latency bound with targetKind "p99Ms". */
  target: number;
  targetKind?: "ratio" | "p99Ms";
  /** Extra figures, e.g. registration → profile lag. */
  notes?: string;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

/** Whether a comparison met its target. */
export function metTarget(c: Comparison): boolean {
  return c.targetKind === "p99Ms" ? c.junction.p99Ms < c.target : throughputRatio(c) >= c.target;
}

/** The ratio of Junction's throughput to the baseline's. */
export function throughputRatio(c: Comparison): number {
  return c.junction.throughputPerSecond / c.baseline.throughputPerSecond;
}

/** Prints a table of every comparison. */
export function printTable(comparisons: Comparison[]): void {
  const rows = comparisons.map((c) => [
    c.name,
    fmt(c.junction.throughputPerSecond, 0),
    fmt(c.baseline.throughputPerSecond, 0),
    fmt(throughputRatio(c), 2),
    c.targetKind === "p99Ms" ? `p99 < ${c.target} ms` : `≥ ${c.target}`,
    `${fmt(c.junction.p50Ms, 2)} / ${fmt(c.junction.p99Ms, 2)}`,
    `${fmt(c.baseline.p50Ms, 2)} / ${fmt(c.baseline.p99Ms, 2)}`,
    metTarget(c) ? "met" : "MISSED",
  ]);
  const header = ["path", "junction/s", "baseline/s", "ratio", "target", "junction p50/p99 ms", "baseline p50/p99 ms", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
  for (const c of comparisons) if (c.notes) console.log(`${c.name}: ${c.notes}`);
}

/** Writes the comparisons to `path` as JSON. */
export function writeJson(path: string, comparisons: Comparison[]): void {
  mkdirSync(new URL(".", `file://${path}`).pathname, { recursive: true });
  const results = comparisons.map((c) => ({ ...c, throughputRatio: throughputRatio(c), met: metTarget(c) }));
  writeFileSync(path, `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
}
