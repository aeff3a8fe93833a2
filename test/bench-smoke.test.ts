// A short run of every benchmark, so they cannot rot: each scenario measures its Junction path
// and its baseline and reports a ratio. No timing is asserted here — speed lives in `npm run bench`.
import test from "ava";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

test("npm run bench -- --smoke measures every scenario against its baseline", async (t) => {
  const out = join(mkdtempSync(join(tmpdir(), "junction-bench-")), "smoke.json");
  const root = new URL("..", import.meta.url).pathname;
  await promisify(execFile)(process.execPath, ["--import=tsx", "bench/run.ts", "--smoke", "--out", out], {
    cwd: root,
    timeout: 120_000,
    env: { ...process.env, LOG_LEVEL: "warn" },
  });
  const { results } = JSON.parse(readFileSync(out, "utf8")) as {
    results: Array<{ name: string; throughputRatio: number; junction: { calls: number }; baseline: { calls: number } }>;
  };
  t.deepEqual(
    results.map((r) => r.name),
    ["internal RPC", "REST via edge", "events end to end", "registration → profile lag"],
  );
  for (const result of results) {
    t.true(result.junction.calls > 0, `${result.name}: the Junction path answered`);
    t.true(result.baseline.calls > 0, `${result.name}: the baseline answered`);
    t.true(Number.isFinite(result.throughputRatio), `${result.name}: a ratio was computed`);
  }
});
