// Every curl, grpcurl and nats example in README.md and docs/ runs as written against a live
// platform as `npm start` runs it: five services behind the real Envoy (calling each other through
// its internal listener), a NATS server of its own so stream names are the real ones; and
// README's TypeScript client snippet runs too. Conventions: test/support/doc-examples.ts.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { TestNatsServer } from "../packages/platform/test/events/support/nats-server.js";
import { repositoryRoot, toolsBin } from "../packages/platform/test/support/tools.js";
import { runCommand } from "./support/cli.js";
import { codeBlocks, documentationFiles, shellScript, unexecutedClientCommands } from "./support/doc-examples.js";
import { TestPlatform } from "./support/platform.js";
import { callsThrough, envoyDeploymentFor, startTestEnvoy, type TestEnvoy } from "./support/envoy.js";
import { startAudit, startAuth, startNotifications, startOrgs, startUsers } from "./support/services.js";

let nats: TestNatsServer;
let platform: TestPlatform;
let envoy: TestEnvoy;
let mailDir: string;
let ports: Map<number, number>;
let env: NodeJS.ProcessEnv;

test.before(async () => {
  nats = await TestNatsServer.launch();
  mailDir = await mkdtemp(join(tmpdir(), "junction-docs-mail-"));
  platform = await TestPlatform.create(undefined, { NATS_URL: nats.url, JUNCTION_EVENTS_PREFIX: "", JUNCTION_MAIL_DIR: mailDir });
  envoy = await startTestEnvoy(await envoyDeploymentFor(platform));
  for (const [name, start] of [["auth", startAuth], ["users", startUsers], ["orgs", startOrgs], ["notifications", startNotifications], ["audit", startAudit]] as const) {
    await platform.start(name, start, callsThrough(envoy.deployment));
  }
  await envoy.untilHealthy();
  const portOf = (url: string) => Number(new URL(url).port);
  ports = new Map([
    [8080, portOf(envoy.url)],
    [9901, envoy.deployment.admin.port],
    [50051, portOf(platform.url("auth"))],
    [50052, portOf(platform.url("users"))],
    [50053, portOf(platform.url("orgs"))],
    [50054, portOf(platform.url("notifications"))],
    [50055, portOf(platform.url("audit"))],
  ]);
  env = { ...platform.env, PATH: `${toolsBin}:${process.env.PATH}`, JUNCTION_EDGE_URL: envoy.url, NATS_URL: nats.url, LOG_LEVEL: "error" };
});
test.after.always(async () => {
  await envoy?.close();
  await platform?.close();
  await nats?.remove();
  await rm(mailDir, { recursive: true, force: true });
});

test("no curl, grpcurl or nats command in the docs sits outside a ```sh block", (t) => {
  t.deepEqual(documentationFiles().flatMap(unexecutedClientCommands), []);
});

for (const file of documentationFiles()) {
  if (!codeBlocks(file).some((b) => b.language === "sh")) continue;
  test.serial(`${file}: every shell example runs as written`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "junction-docs-"));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const script = join(dir, "examples.sh");
    await writeFile(script, shellScript(file, ports)!);
    // At a terminal, as a reader would type them: `nats stream view` pages only there.
    const result = await runCommand("script", ["-qec", `bash ${script}`, "/dev/null"], { env, cwd: repositoryRoot, timeoutMs: 120_000 });
    t.is(result.code, 0, `${file} examples failed:\n${result.stdout.slice(-4000)}${result.stderr.slice(-2000)}`);
  });
}

test.serial("README.md: the TypeScript client snippet runs as written", async (t) => {
  const snippets = codeBlocks("README.md").filter((b) => b.language === "ts");
  t.true(snippets.length > 0);
  for (const snippet of snippets) {
    // Written inside the repository so its imports resolve as they do for a reader there.
    const file = join(repositoryRoot, `var/docs-snippet-${platform.id}.ts`);
    t.teardown(() => rm(file, { force: true }));
    await writeFile(file, `${snippet.code.replaceAll("localhost:8080", `localhost:${ports.get(8080)}`)}\nprocess.exit(0);\n`);
    const result = await runCommand(process.execPath, ["--import=tsx", file], { env, cwd: repositoryRoot, timeoutMs: 60_000 });
    t.is(result.code, 0, `README.md:${snippet.line}: ${result.stderr.slice(-3000)}`);
  }
});
