// `npm run fuzz:rest [-- SECONDS]`: schemathesis against the OpenAPI document through both edges,
// for longer than npm test's bounded run (default 300 s an edge) and with a random seed. Needs
// PostgreSQL, Redis and NATS running (as for the tests) and `npm run setup`'s tools.
import { fuzz, signInThrough, startFuzzTarget } from "../test/support/rest-fuzz.js";

const seconds = Number(process.argv[2] ?? 300);
const target = await startFuzzTarget();
let failed = false;
try {
  for (const edge of target.edges) {
    const result = await fuzz(edge.url, await signInThrough(edge.url, target.env), { maxSeconds: seconds, maxExamples: 10_000 });
    console.log(`\n=== ${edge.name} (${edge.url}): ${result.operations} operations, responses by status ${JSON.stringify(result.statuses)}`);
    console.log(JSON.stringify(result.byOperation, null, 1));
    console.log(result.output);
    failed ||= result.exitCode !== 0;
  }
} finally {
  await target.close();
}
process.exit(failed ? 1 : 0);
