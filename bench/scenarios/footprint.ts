// What running Junction costs: every service and the edge started at once, as `npm start` starts
// them, from their bundles with plain node (production, npm run build) and through tsx
// (development, the way they ran before); the time until every /readyz answers, and each
// process's resident memory after it has idled: once 10 s after start (V8 has usually not yet
// run its memory reducer, which collects start-up garbage about 8 s after allocation quiets
// down and hands pages back) and again after 60 s, the figure held to the goal.
import { randomBytes } from "node:crypto";
import { serviceNames } from "../../test/support/junction.js";
import { figure, median, type Comparison } from "../report.js";
import { BenchDeployment, untilReady } from "../support/deployment.js";
import { freePort } from "../../packages/platform/test/support/ports.js";
import type { RunMode } from "../support/processes.js";
import { inTurns, type BenchSettings } from "../support/settings.js";

async function platformRound(mode: RunMode, idleMs: { early: number; settled: number }) {
  const deployment = await BenchDeployment.create(mode, { JUNCTION_REDIS_NAMESPACE: `bench-${randomBytes(4).toString("hex")}` });
  try {
    const edgePort = String(await freePort());
    const started = performance.now();
    const processes = await Promise.all([
      ...serviceNames.map((name) => deployment.start(name)),
      deployment.start("edge", { JUNCTION_EDGE_PORT: edgePort }),
    ]);
    const readyMs = performance.now() - started;
    const rssAfter = async (ms: number) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return Object.fromEntries(processes.map((p) => [p.label, p.rssMb()]));
    };
    const early = await rssAfter(idleMs.early);
    const rss = await rssAfter(idleMs.settled - idleMs.early);
    for (const p of processes) await untilReady(`http://127.0.0.1:${p.label === "edge" ? edgePort : new URL(deployment.url(p.label as never)).port}/healthz`, p);
    return { readySeconds: readyMs / 1000, early, rss };
  } finally {
    await deployment.close();
  }
}

/** The start-up and memory comparisons. */
export async function footprint(settings: BenchSettings): Promise<Comparison[]> {
  const idleMs = settings.smoke ? { early: 250, settled: 500 } : { early: 10_000, settled: 60_000 };
  // A smoke run starts the platform once (it runs through tsx anyway) and shows that figure twice.
  const samples = settings.smoke
    ? await inTurns(1, { compiled: () => platformRound(settings.mode, idleMs) }).then((s) => ({ compiled: s.compiled!, tsx: s.compiled! }))
    : await inTurns(Math.min(settings.rounds, 2), {
        compiled: () => platformRound(settings.mode, idleMs),
        tsx: () => platformRound("tsx", idleMs),
      });
  const largest = (round: { rss: Record<string, number> }) => Math.max(...Object.values(round.rss));
  const perService = (rounds: Array<Record<string, number>>) =>
    Object.keys(rounds[0]!)
      .map((name) => `${name} ${median(rounds.map((r) => r[name]!)).toFixed(0)}`)
      .join(", ");
  const settled = (mode: "compiled" | "tsx") => perService(samples[mode]!.map((r) => r.rss));
  const early = (mode: "compiled" | "tsx") => perService(samples[mode]!.map((r) => r.early));
  return [
    {
      goal: "Start: every service and the edge at once until each /readyz answers",
      junction: figure("compiled JavaScript, plain node", "s", samples.compiled!.map((r) => ({ value: r.readySeconds }))),
      peer: figure("through tsx (npm start, development)", "s", samples.tsx!.map((r) => ({ value: r.readySeconds }))),
      target: { kind: "below", value: 5 },
      notes: "Databases exist and are migrated by the first start of each round; the goal is for an idle machine, and this one is shared.",
    },
    {
      goal: `Idle resident memory per process (the largest) after ${idleMs.settled / 1000} s idle`,
      junction: figure("compiled JavaScript, plain node", "MB", samples.compiled!.map((r) => ({ value: largest(r) }))),
      peer: figure("through tsx (npm start, development)", "MB", samples.tsx!.map((r) => ({ value: largest(r) }))),
      target: { kind: "below", value: 90 },
      notes:
        `Per process after ${idleMs.settled / 1000} s, compiled (MB): ${settled("compiled")}; tsx: ${settled("tsx")}. ` +
        `After ${idleMs.early / 1000} s, before V8's memory reducer ran: compiled ${early("compiled")}; tsx: ${early("tsx")}.`,
    },
  ];
}
