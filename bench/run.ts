// `npm run bench`: each Junction path next to its raw baseline, measured in one run on this
// machine; prints a table and writes bench/results/latest.json. `--smoke` runs every scenario
// for a moment (used by the test suite so benchmarks cannot rot); `--only <name>` runs one.
import { parseArgs } from "node:util";
import type { LoadShape } from "./load.js";
import { printTable, writeJson, type Comparison } from "./report.js";
import { internalRpc } from "./scenarios/internal-rpc.js";
import { restThroughEdge } from "./scenarios/rest-edge.js";
import { eventsEndToEnd } from "./scenarios/events.js";
import { registrationLag } from "./scenarios/registration-lag.js";

const scenarios: Record<string, (shape: LoadShape) => Promise<Comparison>> = {
  "internal-rpc": internalRpc,
  "rest-edge": restThroughEdge,
  events: eventsEndToEnd,
  "registration-lag": registrationLag,
};

const { values } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    only: { type: "string" },
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "32" },
    out: { type: "string", default: new URL("results/latest.json", import.meta.url).pathname },
  },
});

const shape: LoadShape = values.smoke
  ? { concurrency: 4, durationMs: 300, warmupMs: 100 }
  : { concurrency: Number(values.concurrency), durationMs: Number(values.seconds) * 1000, warmupMs: 1000 };

const selected = values.only ? { [values.only]: scenarios[values.only] } : scenarios;
const comparisons: Comparison[] = [];
for (const [name, scenario] of Object.entries(selected)) {
  if (!scenario) throw new Error(`no scenario named ${name}; known: ${Object.keys(scenarios).join(", ")}`);
  process.stderr.write(`bench: ${name}…\n`);
  comparisons.push(await scenario(shape));
}
printTable(comparisons);
writeJson(values.out, comparisons);
process.exit(0);
