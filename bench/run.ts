// `npm run bench`: every goal of docs/performance.md measured next to its peer in the same run,
// contenders taking turns round by round; prints the figures with ratios and targets and writes
// them to bench/results/ (latest.json and one file per run). Junction runs as in production:
// compiled (npm run build, done first) with plain node. `--smoke` runs every scenario for a
// moment through tsx, to keep them working (npm test); its figures mean nothing.
// `--only <scenario>` runs one; `--rounds`, `--seconds` change how long.
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { printReport, writeReport, type Comparison } from "./report.js";
import { eventsEndToEnd } from "./scenarios/events.js";
import { footprint } from "./scenarios/footprint.js";
import { grpcServer } from "./scenarios/grpc-server.js";
import { registrationLag } from "./scenarios/registration-lag.js";
import { restThroughEdges } from "./scenarios/rest.js";
import { serviceCalls } from "./scenarios/service-calls.js";
import { ROOT } from "./support/processes.js";
import type { BenchSettings } from "./support/settings.js";

const scenarios: Record<string, (settings: BenchSettings) => Promise<Comparison[]>> = {
  "grpc-server": grpcServer,
  "service-calls": serviceCalls,
  rest: restThroughEdges,
  events: eventsEndToEnd,
  "registration-lag": registrationLag,
  footprint,
};

const { values } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    only: { type: "string" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    out: { type: "string" },
  },
});

const settings: BenchSettings = values.smoke
  ? { mode: "tsx", rounds: 1, seconds: 1, warmupSeconds: 0, smoke: true }
  : { mode: "compiled", rounds: Number(values.rounds), seconds: Number(values.seconds), warmupSeconds: 1, smoke: false };

const selected = values.only ? values.only.split(",") : Object.keys(scenarios);
for (const name of selected) if (!scenarios[name]) throw new Error(`no scenario named ${name}; known: ${Object.keys(scenarios).join(", ")}`);

if (settings.mode === "compiled") {
  process.stderr.write("bench: npm run build and the benchmark's own processes…\n");
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "bench/tsconfig.json"], { cwd: ROOT, stdio: "inherit" });
}

const comparisons: Comparison[] = [];
const loadBefore = loadavg()[0]!;
for (const name of selected) {
  process.stderr.write(`bench: ${name}…\n`);
  const measured = await scenarios[name]!(settings);
  // Printed as each scenario ends, so a later failure does not lose what was measured.
  printReport(measured);
  comparisons.push(...measured);
}
const context = { settings, machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverageAtStart: loadBefore, loadAverageAtEnd: loadavg()[0] } };
console.log(`\nload average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} cores: figures of a shared machine vary; ratios are of one run.`);
const out = values.out ?? `${ROOT}bench/results/latest.json`;
writeReport(out, comparisons, context);
if (!values.out) writeReport(`${ROOT}bench/results/${new Date().toISOString().replaceAll(":", "-")}.json`, comparisons, context);
process.exit(0);
