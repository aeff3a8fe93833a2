// `npm run conformance`: generates the suite's protos, then runs the Connect conformance suite
// (the runner pinned in scripts/toolchain.env, installed by `npm run setup`) against the
// Junction service server and against the platform client (both bundled first, see
// bundle-programs.ts), and reports each side: cases run, passed, known to fail, and the time.
// `npm run conformance -- --smoke` runs a small subset.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildDir, bundlePrograms } from "./bundle-programs.js";
import { parseRunnerReport, type RunnerReport } from "./runner-report.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const runner = `${root}var/tools/bin/connectconformance`;
const smoke = process.argv.includes("--smoke");

interface Side {
  mode: "server" | "client";
  /** The runner's options for this side besides mode, config and program. */
  options: string[];
  /** The subset `--smoke` runs: one protocol, no known failures. */
  smokeCases: string[];
}

const SIDES: Side[] = [
  {
    mode: "server",
    // Two servers at a time with 16 calls in flight each keep two cores busy; the cases spend
    // most of their time waiting on delays and deadlines.
    options: ["--max-servers", "2", "--parallel", "16"],
    smokeCases: ["Basic/HTTPVersion:2/Protocol:PROTOCOL_GRPC/**", "Basic/HTTPVersion:1/Protocol:PROTOCOL_CONNECT/**"],
  },
  {
    mode: "client",
    options: [],
    smokeCases: ["Basic/HTTPVersion:2/Protocol:PROTOCOL_CONNECT/**", "Basic/HTTPVersion:1/Protocol:PROTOCOL_GRPC_WEB/**"],
  },
];

function checkRunner() {
  const pinned = /^CONFORMANCE_VERSION=(\S+)$/m.exec(readFileSync(`${root}scripts/toolchain.env`, "utf8"))?.[1];
  if (!existsSync(runner)) throw new Error(`${runner} is missing: run \`npm run setup\``);
  const version = execFileSync(runner, ["--version"], { encoding: "utf8" }).trim();
  if (!version.endsWith(` ${pinned}`)) throw new Error(`${runner} is ${version}, scripts/toolchain.env pins ${pinned}: run \`npm run setup\``);
}

/** Runs one side, echoing the runner's output; resolves with its report and exit code, and whether the program under test died. */
function runSide(side: Side): Promise<{ report: RunnerReport | undefined; code: number; seconds: number; programDied: boolean }> {
  const args = ["--mode", side.mode, "--conf", `conformance/${side.mode}-config.yaml`, "-v", ...side.options];
  if (smoke) args.push(...side.smokeCases.flatMap((pattern) => ["--run", pattern]));
  else args.push("--known-failing", `@conformance/${side.mode}-known-failing.txt`);
  args.push("--", process.execPath, "--enable-source-maps", `${buildDir}/${side.mode}.js`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // The programs run as production services do: a real service secret, no development mode.
    const env = { ...process.env, JUNCTION_SERVICE_SECRET: randomBytes(32).toString("hex") };
    const child = spawn(runner, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const echo = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      process.stdout.write(chunk);
    };
    child.stdout.on("data", echo);
    child.stderr.on("data", echo);
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ report: parseRunnerReport(output), code: code ?? 1, seconds: (performance.now() - started) / 1000, programDied: PROGRAM_DIED.test(output) }),
    );
  });
}

// The runner's words for a program under test that exited in the middle of the cases. Seen about
// once in four runs, since before the lean gRPC paths: glibc aborts the Node process on heap
// corruption ("corrupted size vs. prev_size"), a crash inside Node's native code, not an answer
// of ours (docs/platform.md#protocol-conformance). Such a side is run again, at most twice, and
// says so; a wrong answer is never run again.
const MAX_RERUNS = 2;
const PROGRAM_DIED = /could not be run due to client timing out or exiting prematurely|client stdin is closed/;

checkRunner();
execFileSync(process.execPath, ["conformance/generate-protos.mjs"], { cwd: root, stdio: "inherit" });
await bundlePrograms();
const lines: string[] = [];
let ok = true;
for (const side of SIDES) {
  console.log(`\nconformance: ${side.mode} side${smoke ? " (smoke)" : ""}`);
  let { report, code, seconds, programDied } = await runSide(side);
  for (let crashes = 1; programDied && crashes <= MAX_RERUNS; crashes++) {
    console.log(`\nconformance: the ${side.mode} program died mid-run (above); running the ${side.mode} side again`);
    lines.push(`${side.mode}: the program died in run ${crashes} (a native crash in Node), run again`);
    ({ report, code, seconds, programDied } = await runSide(side));
  }
  ok &&= code === 0;
  if (!report) {
    lines.push(`${side.mode}: the runner stopped without a report (exit ${code})`);
    continue;
  }
  const protocols = Object.entries(report.casesByProtocol).map(([name, cases]) => `${name} ${cases}`).join(", ");
  lines.push(
    `${side.mode}: ${report.total} cases, ${report.passed} passed, ${report.knownFailing} known failing, ${report.failed} failed ` +
      `in ${seconds.toFixed(0)} s (cases by protocol: ${protocols})`,
  );
}
console.log(`\nconformance${smoke ? " (smoke)" : ""}:\n  ${lines.join("\n  ")}`);
process.exit(ok ? 0 : 1);
