// Events end to end: the platform's outbox → relay → JetStream → idempotent consumer, next to a
// dual write doing the same database writes without those guarantees (the fair peer), the same
// dual write through Prisma (what is left when the client is the same), and bare JetStream with no
// database (the floor). Each pipeline is its own compiled process.
import { figure, type Comparison } from "../report.js";
import type { CallerResult } from "../processes/closed-loop.js";
import { BenchProcess } from "../support/processes.js";
import { inTurns, type BenchSettings } from "../support/settings.js";

async function pipelineRound(pipeline: string, count: number, settings: BenchSettings) {
  const run = BenchProcess.start(`events ${pipeline}`, "bench/processes/event-pipelines.ts", settings.mode, { ...process.env, LOG_LEVEL: "warn" }, ["--pipeline", pipeline, "--count", String(count), "--concurrency", "32"]);
  try {
    const result = await run.result<CallerResult>(180_000);
    return { value: result.perSecond, p50Ms: result.p50Ms, p99Ms: result.p99Ms, cpuUsPerCall: result.cpuUsPerCall };
  } finally {
    await run.stop();
  }
}

/** The events comparison. */
export async function eventsEndToEnd(settings: BenchSettings): Promise<Comparison[]> {
  const count = settings.smoke ? 50 : Math.max(200, settings.seconds * 200);
  const samples = await inTurns(settings.rounds, {
    junction: () => pipelineRound("junction", count, settings),
    "dual-write": () => pipelineRound("dual-write", count, settings),
    "dual-write-prisma": () => pipelineRound("dual-write-prisma", count, settings),
    jetstream: () => pipelineRound("jetstream", count, settings),
  });
  return [
    {
      goal: `Events end to end: ${count} "user created" events, 32 producers, write → handled`,
      junction: figure("Junction: transaction + outbox → relay → JetStream → consumer with inbox", "events/s", samples.junction!),
      peer: figure("dual write: insert, then publish; consume, insert, ack", "events/s", samples["dual-write"]!),
      others: [
        figure("the same dual write through Prisma (the services' database client)", "events/s", samples["dual-write-prisma"]!),
        figure("bare JetStream publish → consume, no database", "events/s", samples.jetstream!),
      ],
      target: { kind: "ratio", value: 0.5 },
      notes: "CPU per event is the pipeline process's own (producers, relay and consumer share it); PostgreSQL and NATS run outside it.",
    },
  ];
}
