// What production runs: npm run build bundles each service and the edge (scripts/build.mjs), and
// the bundle must still find what its sources found next to themselves (migrations, manifest,
// contracts) and load what stays outside it (argon2, pg, Prisma's query compiler). The other
// tests run the sources through tsx, so this one starts auth and the edge from their bundles.
import test from "ava";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { BenchDeployment } from "../bench/support/deployment.js";
import { ROOT } from "../bench/support/processes.js";
import { freePort } from "../packages/platform/test/support/ports.js";

test("auth and the edge start from their bundles, register through Prisma and serve REST", async (t) => {
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const bundle = readFileSync(`${ROOT}dist/services/auth/src/main.js`, "utf8");
  t.false(bundle.includes('from "./service.js"'), "dist/services/auth/src/main.js is the bundle, not tsc's output");
  const deployment = await BenchDeployment.create("compiled");
  t.teardown(() => deployment.close());
  await deployment.start("auth");
  const registered = await fetch(`${deployment.url("auth")}/junction.auth.v1.AuthService/Register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: `bundle-${Date.now()}@example.com`, password: "correct horse battery", displayName: "Bundle" }),
  });
  t.is(registered.status, 200, await registered.clone().text());
  t.regex(((await registered.json()) as { userId: string }).userId, /^[0-9a-f-]{36}$/);
  const edgePort = String(await freePort());
  await deployment.start("edge", { JUNCTION_EDGE_PORT: edgePort });
  const jwks = await fetch(`http://127.0.0.1:${edgePort}/.well-known/jwks.json`);
  t.is(jwks.status, 200);
  t.true(((await jwks.json()) as { keys: unknown[] }).keys.length > 0);
});
