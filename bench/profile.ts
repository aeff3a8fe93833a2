// `npm run profile -- <target>`: one compiled process under load with node --cpu-prof, and the
// functions that took its CPU, by self time and grouped by package. The evidence behind
// docs/performance.md. Targets: `auth` (GetJwks under h2load, the gRPC server path), `envoy`
// (auth's side of GET /.well-known/jwks.json through the real Envoy under wrk), `edge`
// (GET /.well-known/jwks.json through the TypeScript edge under wrk), `events` (the outbox →
// relay → consumer pipeline), `caller` (a service's client calling orgs, 64 callers), `in-process` (the same calls with
// orgs hosted in the caller's process). Profiles are kept in bench/results/profiles/ for Chrome DevTools.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { freePort } from "../packages/platform/test/support/ports.js";
import { GET_JWKS } from "./scenarios/grpc-server.js";
import { BenchDeployment } from "./support/deployment.js";
import { h2loadGrpc, wrkGet } from "./support/load-generators.js";
import { BenchProcess, ROOT } from "./support/processes.js";
import { startBenchEnvoy, UNREACHED_RATE_LIMITS } from "./scenarios/rest.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { seconds: { type: "string", default: "8" }, top: { type: "string", default: "25" }, from: { type: "string" } },
});
const target = positionals[0] ?? "auth";
const seconds = Number(values.seconds);
// `--from <dir>` summarises profiles taken before instead of taking one.
const dir = values.from ?? join(ROOT, "bench/results/profiles", `${target}-${new Date().toISOString().replaceAll(":", "-")}`);
mkdirSync(dir, { recursive: true });
const profiling = ["--cpu-prof", `--cpu-prof-dir=${dir}`];
// Source maps read so far, by the file they map (see located()).
const sourceMaps = new Map<string, SourceMap | undefined>();

if (!values.from) await measure();

/** Runs the target under load with the profiler on, writing its profile(s) to `dir`. */

async function measure(): Promise<void> {
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "bench/tsconfig.json"], { cwd: ROOT, stdio: "inherit" });

  if (target === "events") {
    const run = BenchProcess.start("events", "bench/processes/event-pipelines.ts", "compiled", process.env, ["--pipeline", "junction", "--count", String(seconds * 150), "--concurrency", "32"], profiling);
    console.log("result", JSON.stringify(await run.result(300_000)));
    await run.exited;
  } else if (target === "in-process") {
    // The caller with the orgs stand-in hosted in its own process: both sides in one profile.
    const deployment = await BenchDeployment.create("compiled");
    try {
      const env = { ...deployment.env, JUNCTION_ORGS_URL: "in-process:", JUNCTION_ORGS_PORT: "0" };
      const args = ["--concurrency", "64", "--seconds", String(seconds), "--warmup", "1"];
      const caller = BenchProcess.start("caller", "bench/processes/junction-caller.ts", "compiled", env, args, profiling);
      console.log("result", JSON.stringify(await caller.result(120_000)));
      await caller.exited;
    } finally {
      await deployment.close();
    }
  } else if (target === "caller") {
    const deployment = await BenchDeployment.create("compiled");
    try {
      const env = { ...deployment.env, JUNCTION_ORGS_PORT: new URL(deployment.url("orgs")).port };
      // Both sides profiled: a caller that waits is measuring its server.
      const orgs = BenchProcess.start("orgs stand-in", "bench/processes/orgs-stand-in-server.ts", "compiled", env, [], profiling);
      await orgs.port();
      const args = ["--concurrency", "64", "--seconds", String(seconds), "--warmup", "1"];
      const caller = BenchProcess.start("caller", "bench/processes/junction-caller.ts", "compiled", { ...env, JUNCTION_ORGS_URL: deployment.url("orgs") }, args, profiling);
      console.log("result", JSON.stringify(await caller.result(120_000)));
      await caller.exited;
      await orgs.stop();
    } finally {
      await deployment.close();
    }
  } else {
    const deployment = await BenchDeployment.create("compiled", { JUNCTION_REDIS_NAMESPACE: `bench-${randomBytes(4).toString("hex")}`, ...UNREACHED_RATE_LIMITS });
    try {
      const auth = await deployment.start("auth", {}, target === "auth" || target === "envoy" ? profiling : []);
      if (target === "auth") {
        console.log(await h2loadGrpc(deployment.url("auth"), GET_JWKS, { connections: 4, streams: 16, seconds, warmupSeconds: 1 }));
        await auth.stop();
      } else if (target === "envoy") {
        // auth behind the real Envoy: what a transcoded REST call costs the service.
        const envoy = await startBenchEnvoy(deployment.platform);
        try {
          console.log(await wrkGet(`${envoy.url}/.well-known/jwks.json`, { connections: 64, seconds, warmupSeconds: 1 }));
        } finally {
          await envoy.close();
        }
        await auth.stop();
      } else if (target === "edge") {
        const port = String(await freePort());
        const edge = await deployment.start("edge", { JUNCTION_EDGE_PORT: port }, profiling);
        console.log(await wrkGet(`http://127.0.0.1:${port}/.well-known/jwks.json`, { connections: 64, seconds, warmupSeconds: 1 }));
        await edge.stop();
      } else throw new Error(`no profile target ${target}; known: auth, envoy, edge, events, caller, in-process`);
    } finally {
      await deployment.close();
    }
  }

}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
if (files.length === 0) throw new Error(`no profile was written to ${dir}`);
for (const file of files) summarize(file);

/** Prints where one profile's CPU went, by package and by function. */
function summarize(file: string): void {
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    const { functionName } = node.callFrame;
    const { where, line } = located(node.callFrame);
    const key = `${functionName || "(anonymous)"}  ${where}:${line}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const pkg = packageOf(where, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  console.log(`\n${file} in ${dir.replace(ROOT, "")}: ${(total / 1e6).toFixed(1)} s sampled\n\nBy package (self time):`);
  for (const [name, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(us)}  ${name}`);
  console.log(`\nBy function (self time), top ${values.top}:`);
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`  ${pct(us)}  ${name}`);
  // Self time spreads a per-call cost over Node's internals; what Junction calls shows it whole.
  console.log(`\nJunction's functions by total time (self and what they call), top ${values.top}:`);
  for (const [name, us] of inclusiveJunctionTimes(profile, self).slice(0, Number(values.top))) console.log(`  ${pct(us)}  ${name}`);
}

/** Each Junction function's time including its callees, counted once per sample however often it recurs. */
function inclusiveJunctionTimes(profile: CpuProfile, self: Map<number, number>): Array<[string, number]> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const { where, line } = located(frame);
      if (!/^(dist\/)?(packages|services)\//.test(where)) continue;
      const key = `${frame.functionName || "(anonymous)"}  ${where}:${line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      totals.set(key, (totals.get(key) ?? 0) + us);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/**
 * Where a profiled function's code is, relative to the repository, and its line. A service runs
 * as one bundle (scripts/build.mjs), so its frames are mapped back through the bundle's source map
 * to the file they came from (a Junction source or a node_modules package); so are tsc's files.
 */
function located(frame: ProfileNode["callFrame"]): { where: string; line: number } {
  const path = frame.url.replace(/^file:\/\//, "");
  if (!sourceMaps.has(path)) sourceMaps.set(path, path.startsWith("/") && existsSync(`${path}.map`) ? new SourceMap(JSON.parse(readFileSync(`${path}.map`, "utf8"))) : undefined);
  const entry = sourceMaps.get(path)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry && "originalSource" in entry) return { where: relative(ROOT, resolve(dirname(path), entry.originalSource)), line: entry.originalLine + 1 };
  return { where: path.replace(ROOT, ""), line: frame.lineNumber + 1 };
}

/** Where a function lives: a node_modules package, Junction's own code, Node's internals or the VM. */
function packageOf(where: string, functionName: string): string {
  const modules = where.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const parts = where.slice(modules + "node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (where.startsWith("node:")) return "node (built-in modules)";
  if (where === "") return functionName.startsWith("(") ? functionName : "native / V8";
  const junction = where.match(/^(?:dist\/)?(packages\/[^/]+|services\/[^/]+|gen|bench)/);
  return junction ? `junction ${junction[1]}` : where;
}
