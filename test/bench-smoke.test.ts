// A short run of every benchmark, so they cannot rot: each goal of docs/performance.md is
// measured for Junction and its peer and reported with a ratio. Figures are printed, never
// asserted as timings (a smoke run runs through tsx and measures nothing): speed lives in
// `npm run bench`.
import test from "ava";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

interface Figure {
  label: string;
  value: number;
  rounds: number[];
}

test("npm run bench -- --smoke measures every goal against its peer", async (t) => {
  // About a minute on an idle machine; several under the rest of the suite.
  t.timeout(420_000);
  const out = join(mkdtempSync(join(tmpdir(), "junction-bench-")), "smoke.json");
  const root = new URL("..", import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import=tsx", "bench/run.ts", "--smoke", "--out", out], {
    cwd: root,
    timeout: 400_000,
    env: { ...process.env, LOG_LEVEL: "warn" },
  });
  t.log(stdout);
  const { results } = JSON.parse(readFileSync(out, "utf8")) as { results: Array<{ goal: string; junction: Figure; peer: Figure; others?: Figure[]; ratio: number }> };
  const goals = results.map((r) => r.goal).join("\n");
  for (const expected of [/h2load/, /over the network/, /in one process/, /REST through Envoy/, /REST through the TypeScript edge/, /Events end to end/, /registration/i, /resident memory|RSS/i, /ready/i]) {
    t.regex(goals, expected);
  }
  for (const result of results) {
    for (const figure of [result.junction, result.peer, ...(result.others ?? [])]) {
      t.true(figure.rounds.length > 0 && figure.rounds.every(Number.isFinite), `${result.goal}: ${figure.label} was measured`);
    }
    t.true(Number.isFinite(result.ratio), `${result.goal}: a ratio was computed`);
  }
});
