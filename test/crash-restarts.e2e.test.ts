// `npm start` keeps the platform up when a process dies (tools/src/local-run/crash-restarts.ts): a
// SIGKILLed service is logged and started again after a pause, the rest serve meanwhile, and a
// second crash in a row waits twice as long before the restart.
import test from "ava";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../packages/platform/test/support/ports.js";
import { junction } from "./support/junction.js";
import { startPlatformRun } from "./support/platform-run.js";
import { eventually, TestPlatform } from "./support/platform.js";

/** The process id of `main` among the children of the start script `parent`. */
function childRunning(parent: number, main: string): number | undefined {
  const lines = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(parent)], { encoding: "utf8" }).split("\n");
  const line = lines.find((l) => l.includes(main));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

test("a killed service is restarted after a pause that doubles with each crash in a row, and the platform serves on", async (t) => {
  t.timeout(240_000);
  const platform = await TestPlatform.create(t);
  const edgePort = await freePort();
  const edge = `http://127.0.0.1:${edgePort}`;
  const run = await startPlatformRun({
    ...platform.env,
    JUNCTION_EDGE: "typescript",
    JUNCTION_EDGE_PORT: String(edgePort),
    JUNCTION_MAIL_DIR: mkdtempSync(join(tmpdir(), "junction-crash-mail-")),
    LOG_LEVEL: "warn",
  });
  t.teardown(() => run.kill());
  const main = junction.manifest.service("users").main;
  const usersReady = async () => (await fetch(`${platform.url("users")}/readyz`).then((res) => res.status, () => 0)) === 200;

  const crashAndWait = async (crash: number) => {
    const before = childRunning(run.pid, main);
    t.truthy(before, `users runs before crash ${crash}`);
    const killedAt = Date.now();
    process.kill(before!, "SIGKILL");
    // Meanwhile the edge and the other services answer: auth's keys through the edge.
    t.is((await fetch(`${edge}/.well-known/jwks.json`)).status, 200, `the edge serves while users is down (crash ${crash})`);
    const after = await eventually(async () => {
      const pid = childRunning(run.pid, main);
      return pid !== undefined && pid !== before ? pid : undefined;
    }, `users restarted after crash ${crash}`, 30_000, 50);
    const pausedMs = Date.now() - killedAt;
    await eventually(async () => ((await usersReady()) ? true : undefined), `users ready again after crash ${crash}`, 60_000, 200);
    // npm start says so too, once per restart.
    await eventually(async () => (run.output().split("users is ready again after its restart").length - 1 >= crash ? true : undefined), `npm start reports users ready after crash ${crash}`, 30_000, 100);
    return { after, pausedMs };
  };

  const first = await crashAndWait(1);
  t.regex(run.output(), /users exited unexpectedly \(code null\); restarting it in 1 s \(crash 1 in a row\)/);
  t.true(first.pausedMs >= 1000, `the first restart waited ${first.pausedMs} ms`);
  const second = await crashAndWait(2);
  t.regex(run.output(), /users exited unexpectedly \(code null\); restarting it in 2 s \(crash 2 in a row\)/);
  t.true(second.pausedMs >= 2000, `the second restart waited ${second.pausedMs} ms`);
  t.log(`restarted after ${first.pausedMs} ms, then after ${second.pausedMs} ms`);

  // The restarted users serves real calls through the edge: a new account reads its own record.
  const email = `crash-${Date.now()}@example.com`;
  const register = await fetch(`${edge}/v1/auth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: "correct-horse-9", display_name: "Crash" }) });
  t.is(register.status, 200);
  const login = await fetch(`${edge}/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: "correct-horse-9" }) });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const me = await eventually(async () => {
    const res = await fetch(`${edge}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    const body = res.status === 200 ? ((await res.json()) as { profile?: { email: string } }) : undefined;
    return body?.profile;
  }, "users to have the new account's profile (from auth's event)", 20_000);
  t.is(me.email, email);
  t.is(await run.stopGroup("SIGINT"), 0, run.output().slice(-2000));
});
