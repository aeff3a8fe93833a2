// A Junction service calling another (users → orgs ListUserOrganizations through runtime.client:
// deadline, breaker, retry budget, request id, trace context and service credentials on the
// client; call observation, credential check, user authentication and session check on the
// server), 64 callers, next to Moleculer doing the same request/response over NATS. Then the
// same call with both services in one process (in-process transport, the same interceptors),
// next to the same Moleculer figure, and to Moleculer calling a service on its own broker.
import { randomBytes } from "node:crypto";
import type { CallerResult } from "../processes/closed-loop.js";
import { figure, type Comparison } from "../report.js";
import { BenchDeployment } from "../support/deployment.js";
import { BenchProcess } from "../support/processes.js";
import { inTurns, type BenchSettings } from "../support/settings.js";

const CONCURRENCY = 64;

/** One round of a caller process: started, measured, gone. */
async function callerRound(label: string, source: string, env: NodeJS.ProcessEnv, settings: BenchSettings, args: string[] = []) {
  const caller = BenchProcess.start(label, source, settings.mode, env, ["--concurrency", String(CONCURRENCY), "--seconds", String(settings.seconds), "--warmup", String(settings.warmupSeconds), ...args]);
  try {
    const result = await caller.result<CallerResult>((settings.seconds + settings.warmupSeconds) * 1000 + 90_000);
    if (result.calls === 0) throw new Error(`${label}: no call succeeded (${result.firstError ?? "no error"})`);
    return { value: result.perSecond, p50Ms: result.p50Ms, p99Ms: result.p99Ms, cpuUsPerCall: result.cpuUsPerCall };
  } finally {
    await caller.stop();
  }
}

/** The service-to-service comparisons. */
export async function serviceCalls(settings: BenchSettings): Promise<Comparison[]> {
  const deployment = await BenchDeployment.create(settings.mode);
  const servers: BenchProcess[] = [];
  try {
    const env = deployment.env;
    const orgsPort = new URL(deployment.url("orgs")).port;
    const orgs = BenchProcess.start("orgs stand-in", "bench/processes/orgs-stand-in-server.ts", settings.mode, { ...env, JUNCTION_ORGS_PORT: orgsPort });
    servers.push(orgs);
    await orgs.port();
    const moleculerEnv = { ...env, BENCH_MOLECULER_NAMESPACE: `bench-${randomBytes(4).toString("hex")}` };
    const moleculer = BenchProcess.start("moleculer service", "bench/processes/moleculer-service.ts", settings.mode, moleculerEnv);
    servers.push(moleculer);
    await moleculer.port();
    const caller = "bench/processes/junction-caller.ts";
    const samples = await inTurns(settings.rounds, {
      "Junction over gRPC": () => callerRound("junction caller", caller, { ...env, JUNCTION_ORGS_URL: deployment.url("orgs") }, settings),
      "Moleculer over NATS": () => callerRound("moleculer caller", "bench/processes/moleculer-caller.ts", moleculerEnv, settings),
      "Junction in process": () => callerRound("junction in-process caller", caller, { ...env, JUNCTION_ORGS_URL: "in-process:", JUNCTION_ORGS_PORT: "0" }, settings),
      "Moleculer local": () => callerRound("moleculer local caller", "bench/processes/moleculer-caller.ts", moleculerEnv, settings, ["--local"]),
    });
    const moleculerNats = figure("Moleculer 0.15, caller and service brokers over NATS (JSON)", "calls/s", samples["Moleculer over NATS"]!);
    const moleculerLocal = figure("Moleculer 0.15, caller calling a service on its own broker", "calls/s", samples["Moleculer local"]!);
    return [
      {
        goal: `Service to service over the network: ${CONCURRENCY} callers in one process, the service in another`,
        junction: figure("Junction runtime.client → orgs over gRPC (h2c)", "calls/s", samples["Junction over gRPC"]!),
        peer: moleculerNats,
        target: { kind: "ratio", value: 0.25 },
        notes: "CPU per call is the caller process's own; the load generator is the caller itself (that is what is measured).",
      },
      {
        goal: `Service to service in one process: ${CONCURRENCY} callers, the service in the same process`,
        junction: figure("Junction runtime.client → orgs in process (same interceptors)", "calls/s", samples["Junction in process"]!),
        peer: moleculerNats,
        others: [moleculerLocal],
        target: { kind: "ratio", value: 1.0 },
        notes: "Both sides' interceptors run; messages are copied at the boundary and errors cross it as over gRPC.",
      },
    ];
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await deployment.close();
  }
}
