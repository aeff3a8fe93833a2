// A property-based fuzz of the RPC protocols against every service port (test/support/protocol-fuzz/):
// generated messages of every unary method, valid and broken, over gRPC, gRPC-Web and Connect
// (proto and JSON, POST and GET), anonymous and with real credentials. No answer may be a 5xx but
// an outage's 503, INTERNAL or UNKNOWN, or show a stack or an internal address; afterwards every
// service process still runs and answers its health check SERVING. Bounded for npm test (a fixed
// seed); FUZZ_SEED / FUZZ_RUNS / FUZZ_SECONDS change it, `npm run fuzz:protocols` runs longer.
import test from "ava";
import { fuzzProtocols, fuzzSettings, unaryMethods } from "./support/protocol-fuzz/run.js";
import { startFuzzTarget, type FuzzTarget } from "./support/protocol-fuzz/target.js";
import { serviceNames } from "./support/junction.js";

const settings = fuzzSettings({ seed: 14, runs: 2000, maxSeconds: 30 });
let target: FuzzTarget;

test.before(async (t) => {
  t.timeout(180_000);
  target = await startFuzzTarget();
});
test.after.always(async () => {
  await target?.close();
});

test("no generated or broken RPC request gets a 5xx, INTERNAL, UNKNOWN or a leak from any service port, and every service lives on", async (t) => {
  t.timeout((settings.maxSeconds + 60) * 1000);
  const report = await fuzzProtocols(target, settings);
  t.log(`seed ${settings.seed}: ${report.requests} requests in ${report.seconds.toFixed(1)} s`);
  t.log("by transport:", JSON.stringify(report.byTransport));
  t.log("by answer (HTTP status, gRPC status or Connect code):", JSON.stringify(Object.fromEntries(Object.entries(report.byAnswer).sort(([, a], [, b]) => b - a))));
  t.is(report.failure, undefined, `${report.failure}\n(the services' error lines:)\n${[...target.processes.values()].map((p) => p.output()).join("\n")}`);
  t.true(report.requests >= Math.min(settings.runs, 200), `only ${report.requests} requests were sent`);
  t.is(Object.keys(report.byMethod).length, unaryMethods().length, "every unary method was tried");
  t.true(Object.keys(report.byAnswer).some((label) => label.startsWith("200 ")), "some requests reached a handler and succeeded");
  t.deepEqual(await target.health(), Object.fromEntries(serviceNames.map((name) => [name, "SERVING"])));
  t.deepEqual(
    [...target.processes.values()].flatMap((p) => p.unexpectedExits.map((exit) => `${p.name}: ${JSON.stringify(exit)}\n${p.output()}`)),
    [],
    "no service process exited",
  );
});
