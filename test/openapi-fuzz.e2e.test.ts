// schemathesis, property-based, against the OpenAPI document through both edges in front of the
// same services, as a signed-in admin: no request may get a 5xx, and every status, content type,
// header and body must be one the document describes. Bounded for npm test (a fixed seed, 17 s an
// edge); `npm run fuzz:rest` runs longer with a random seed.
import test from "ava";
import { fuzz, signInThrough, startFuzzTarget, type FuzzTarget } from "./support/rest-fuzz.js";

const SECONDS_PER_EDGE = 17;
let target: FuzzTarget;

test.before(async () => {
  target = await startFuzzTarget();
});
test.after.always(async () => {
  await target?.close();
});

for (const name of ["typescript", "envoy"] as const) {
  // Both edges at once: each run is bounded by its own time budget, and their start-up costs overlap.
  test(`through the ${name} edge, every generated request gets a documented answer and none a 5xx`, async (t) => {
    t.timeout((SECONDS_PER_EDGE + 40) * 1000);
    const edge = target.edges.find((e) => e.name === name)!;
    const token = await signInThrough(edge.url, target.env);
    const result = await fuzz(edge.url, token, { maxSeconds: SECONDS_PER_EDGE, maxExamples: 50, seed: 14 });
    t.log(`${result.operations} operations; responses by status: ${JSON.stringify(result.statuses)}`);
    t.log(result.output.split("\n").filter((line) => /generated|\(in [0-9.]+s\)|passed|failed/.test(line)).join("\n"));
    t.is(result.exitCode, 0, result.output.slice(-8000));
    t.is(result.operations, 19, "every operation but logout was fuzzed");
    const serverErrors = Object.entries(result.statuses).filter(([status]) => Number(status) >= 500);
    t.deepEqual(serverErrors, [], "no 5xx");
    const answered = Object.entries(result.byOperation).filter(([, statuses]) => (statuses["200"] ?? 0) > 0).map(([operation]) => operation);
    t.log(`answered 200: ${answered.join(", ")}`);
    t.true(answered.includes("GET /v1/me"), "operations that need a token were reached, not only refused");
    // The token still works: the fuzzer did not end its own session.
    t.is((await fetch(`${edge.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
  });
}
