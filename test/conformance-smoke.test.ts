// A smoke of the Connect conformance suite in npm test: the Basic cases over two protocols per
// side (npm run conformance -- --smoke), so a break in how services serve or call shows here;
// the full suite, every case, is `npm run conformance`.
import test from "ava";
import { repositoryRoot } from "../packages/platform/test/support/tools.js";
import { runCommand } from "./support/cli.js";

test("the service server and the platform client pass the suite's Basic cases", async (t) => {
  const result = await runCommand(process.execPath, ["--import", "tsx", "conformance/run.ts", "--smoke"], { cwd: repositoryRoot, timeoutMs: 110_000 });
  const report = result.stdout.slice(result.stdout.lastIndexOf("conformance (smoke):"));
  t.log(report);
  t.is(result.code, 0, `${result.stdout.split("\n").filter((line) => /^(FAILED|\t)/.test(line)).join("\n")}${result.stderr}`);
  t.regex(report, /server: \d+ cases, \d+ passed, 0 known failing, 0 failed/);
  t.regex(report, /client: \d+ cases, \d+ passed, 0 known failing, 0 failed/);
});
