// `npm run fuzz:protocols [-- SECONDS]`: the protocol fuzz of test/protocol-fuzz.e2e.test.ts for
// longer (default 300 s) and with a random seed (FUZZ_SEED to replay one), listing every bad
// answer rather than stopping at the first. Needs PostgreSQL, Redis and NATS running, as the
// tests do.
import { fuzzProtocols, fuzzSettings } from "../test/support/protocol-fuzz/run.js";
import { startFuzzTarget } from "../test/support/protocol-fuzz/target.js";

const settings = fuzzSettings({ seed: Math.floor(Math.random() * 2 ** 31), runs: 1_000_000, maxSeconds: Number(process.argv[2] ?? 300), keepGoing: true });
const target = await startFuzzTarget();
let failed = true;
try {
  const report = await fuzzProtocols(target, settings);
  console.log(`seed ${settings.seed}: ${report.requests} requests in ${report.seconds.toFixed(1)} s`);
  console.log("by transport:", report.byTransport);
  console.log("by answer:", report.byAnswer);
  console.log("by method:", report.byMethod);
  const health = await target.health();
  console.log("health afterwards:", health);
  const exits = [...target.processes.values()].filter((p) => p.unexpectedExits.length > 0);
  for (const p of exits) console.log(`${p.name} exited: ${JSON.stringify(p.unexpectedExits)}\n${p.output()}`);
  for (const line of report.violations) console.log(`BAD ANSWER ${line}`);
  console.log(`${report.violations.length} bad answers`);
  failed = report.violations.length > 0 || exits.length > 0 || Object.values(health).some((status) => status !== "SERVING");
} finally {
  await target.close();
}
process.exit(failed ? 1 : 0);
