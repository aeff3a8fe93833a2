// What running Junction costs: every service and the edge started at once, as `npm start` starts
// them, from their bundles with plain node (production, npm run build) and through tsx
// (development, the way they ran before); the time until every /readyz answers, and each
// process's resident memory after it has idled.
import { randomBytes } from "node:crypto";
import { serviceNames } from "../../test/support/junction.js";
import { figure, median, type Comparison } from "../report.js";
import { BenchDeployment, untilReady } from "../support/deployment.js";
import { freePort } from "../../packages/platform/test/support/ports.js";
import type { RunMode } from "../support/processes.js";
import { inTurns, type BenchSettings } from "../support/settings.js";

async function platformRound(mode: RunMode, idleMs: number) {
  const deployment = await BenchDeployment.create(mode, { JUNCTION_REDIS_NAMESPACE: `bench-${randomBytes(4).toString("hex")}` });
  try {
    const edgePort = String(await freePort());
    const started = performance.now();
    const processes = await Promise.all([
      ...serviceNames.map((name) => deployment.start(name)),
      deployment.start("edge", { JUNCTION_EDGE_PORT: edgePort }),
    ]);
    const readyMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    for (const p of processes) await untilReady(`http://127.0.0.1:${p.label === "edge" ? edgePort : new URL(deployment.url(p.label as never)).port}/healthz`, p);
    const rss = Object.fromEntries(processes.map((p) => [p.label, p.rssMb()]));
    return { readySeconds: readyMs / 1000, rss };
  } finally {
    await deployment.close();
  }
}

/** The start-up and memory comparisons. */
export async function footprint(settings: BenchSettings): Promise<Comparison[]> {
  const idleMs = settings.smoke ? 500 : 10_000;
  // A smoke run starts the platform once (it runs through tsx anyway) and shows that figure twice.
  const samples = settings.smoke
    ? await inTurns(1, { compiled: () => platformRound(settings.mode, idleMs) }).then((s) => ({ compiled: s.compiled!, tsx: s.compiled! }))
    : await inTurns(Math.min(settings.rounds, 2), {
        compiled: () => platformRound(settings.mode, idleMs),
        tsx: () => platformRound("tsx", idleMs),
      });
  const largest = (round: { rss: Record<string, number> }) => Math.max(...Object.values(round.rss));
  const perService = (rounds: Array<{ rss: Record<string, number> }>) =>
    Object.keys(rounds[0]!.rss)
      .map((name) => `${name} ${median(rounds.map((r) => r.rss[name]!)).toFixed(0)}`)
      .join(", ");
  return [
    {
      goal: "Start: every service and the edge at once until each /readyz answers",
      junction: figure("compiled JavaScript, plain node", "s", samples.compiled!.map((r) => ({ value: r.readySeconds }))),
      peer: figure("through tsx (npm start, development)", "s", samples.tsx!.map((r) => ({ value: r.readySeconds }))),
      target: { kind: "below", value: 5 },
      notes: "Databases exist and are migrated by the first start of each round; the goal is for an idle machine, and this one is shared.",
    },
    {
      goal: "Idle resident memory per process (the largest)",
      junction: figure("compiled JavaScript, plain node", "MB", samples.compiled!.map((r) => ({ value: largest(r) }))),
      peer: figure("through tsx (npm start, development)", "MB", samples.tsx!.map((r) => ({ value: largest(r) }))),
      target: { kind: "below", value: 90 },
      notes: `Per process, compiled (MB): ${perService(samples.compiled!)}; tsx: ${perService(samples.tsx!)}.`,
    },
  ];
}
