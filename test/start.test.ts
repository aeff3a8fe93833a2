// `npm start` refuses to start without its dependencies, naming each missing one and how to start
// it; it puts the real Envoy on the edge port when Envoy is installed (or asked for), the
// TypeScript edge otherwise; and it refuses to run an Envoy that is asked for but not installed.
import test, { type ExecutionContext } from "ava";
import { execFile } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { formatLogLine } from "../tools/src/local-run/service-process.js";
import { TestPlatform, eventually } from "./support/platform.js";
import { freePort } from "../packages/platform/test/support/ports.js";
import { startPlatformRun } from "./support/platform-run.js";
import { tool } from "../packages/platform/test/support/tools.js";

const root = new URL("..", import.meta.url).pathname;
const startScript = (env: NodeJS.ProcessEnv) =>
  promisify(execFile)(process.execPath, ["--import=tsx", "tools/src/local-run/start.ts"], { cwd: root, env, timeout: 30_000 });

test("npm start names an unreachable dependency and how to start it, and exits non-zero", async (t) => {
  const error = await t.throwsAsync<Error & { code: number; stderr: string }>(
    startScript({ ...process.env, JUNCTION_EDGE: "typescript", REDIS_URL: "redis://127.0.0.1:1", NATS_URL: "nats://127.0.0.1:2" }),
  );
  t.is(error?.code, 1);
  t.regex(error!.stderr, /Redis is not reachable at 127\.0\.0\.1:1\. Start it with:\s+npm run setup/);
  t.regex(error!.stderr, /NATS is not reachable at 127\.0\.0\.1:2\. Start it with:\s+npm run setup/);
  t.notRegex(error!.stderr, /PostgreSQL is not reachable/);
});

test("npm start names a port another program already holds, and starts nothing", async (t) => {
  // A listener that accepts and never answers, like a stuck process from an earlier run.
  const squatter = net.createServer(() => {}).listen(0, "127.0.0.1");
  await once(squatter, "listening");
  t.teardown(() => squatter.close());
  const port = (squatter.address() as net.AddressInfo).port;
  const error = await t.throwsAsync<Error & { code: number; stderr: string }>(startScript({ ...process.env, JUNCTION_EDGE: "typescript", JUNCTION_ORGS_PORT: String(port) }));
  t.is(error?.code, 1);
  t.regex(error!.stderr, new RegExp(`port ${port} \\(orgs\\) is already in use.*JUNCTION_ORGS_PORT`));
});

test("JUNCTION_EDGE=envoy without Envoy installed fails with the setup hint", async (t) => {
  const error = await t.throwsAsync<Error & { code: number; stderr: string }>(
    startScript({ ...process.env, JUNCTION_EDGE: "envoy", JUNCTION_ENVOY_BINARY: join(tmpdir(), "no-envoy-here") }),
  );
  t.is(error?.code, 1);
  t.regex(error!.stderr, /JUNCTION_EDGE=envoy, but Envoy is not installed\. Install it with:\s+npm run setup/);
});

test("service logs are shown as short readable lines", (t) => {
  const line = JSON.stringify({ level: 30, time: "2026-11-22T07:30:01.123Z", service: "auth", msg: "auth listening", port: 50051, request_id: "r1" });
  t.is(formatLogLine(line), "07:30:01 INFO  auth listening  port=50051 request_id=r1");
  t.is(formatLogLine("plain text"), "plain text");
});

/**
 * A user's first minutes through the edge at `edgeUrl`: register, sign in, then calls to users,
 * orgs and notifications with the token, each of which verifies it against the issuer's keys.
 */
async function signedInJourney(t: ExecutionContext, edgeUrl: string): Promise<void> {
  const email = `start-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${edgeUrl}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const registered = await post("/v1/auth/register", { email, password: "correct-horse-9", display_name: "Starter" });
  t.is(registered.status, 200, await registered.clone().text());
  const login = (await (await post("/v1/auth/login", { email, password: "correct-horse-9" })).json()) as { accessToken: string };
  const auth = { authorization: `Bearer ${login.accessToken}` };
  const me = await eventually(async () => {
    const res = await fetch(`${edgeUrl}/v1/me`, { headers: auth });
    return res.status === 200 ? res : undefined; // the profile follows the registration by an event
  }, "GET /v1/me to answer 200").catch((error: unknown) => String(error));
  t.not(typeof me, "string", String(me));
  const created = await post("/v1/orgs", { name: "Start Org" }, auth);
  t.is(created.status, 200, await created.clone().text());
  const inbox = await fetch(`${edgeUrl}/v1/notifications`, { headers: auth });
  t.is(inbox.status, 200, await inbox.clone().text());
}

/** `npm run seed` against the platform at `edgeUrl`, twice, in a shell with no development settings of its own (as a user runs it). */
async function seedsTwice(t: ExecutionContext, platformEnv: NodeJS.ProcessEnv, edgeUrl: string): Promise<void> {
  const { JUNCTION_DEV_MODE: _dev, JUNCTION_SEALED_FIELDS_KEYS: _keys, ...env } = platformEnv;
  const seed = () => promisify(execFile)(process.execPath, ["--import=tsx", "scripts/seed.ts"], { cwd: root, env: { ...env, JUNCTION_EDGE_URL: edgeUrl }, timeout: 60_000 });
  const first = await seed();
  const orgLine = /org\s+(\S+)/.exec(first.stdout)?.[1];
  t.regex(first.stdout, /admin@junction\.test: roles now .*admin/i);
  t.truthy(orgLine, first.stdout);
  const again = await seed();
  t.is(/org\s+(\S+)/.exec(again.stdout)?.[1], orgLine, "a second run reuses the demo organization");
}

/** Runs npm start with `env` until it says it is up; returns its output so far and how to stop it. */
async function startPlatform(t: ExecutionContext, env: NodeJS.ProcessEnv) {
  t.timeout(150_000);
  // Its own process group, so a failed test can end it together with every process it started.
  const run = await startPlatformRun(env, [], 120_000);
  t.teardown(() => run.kill());
  return run;
}

// One platform at a time: each is six processes compiling TypeScript at once.
test.serial("npm start with the TypeScript edge brings every service up behind it, serves a signed-in user's REST calls and npm run seed (twice), and Ctrl-C stops all with exit 0", async (t) => {
  const platform = await TestPlatform.create(t);
  const edgePort = await freePort();
  const mailDir = mkdtempSync(join(tmpdir(), "junction-start-mail-"));
  // No key set URL: npm start must give the services the issuer's, as it does for a user.
  const run = await startPlatform(t, { ...platform.env, JUNCTION_JWKS_URL: "", JUNCTION_EDGE: "typescript", JUNCTION_EDGE_PORT: String(edgePort), JUNCTION_MAIL_DIR: mailDir, LOG_LEVEL: "warn" });
  t.regex(run.output(), /Edge: the TypeScript edge \(JUNCTION_EDGE=typescript\)/);
  t.regex(run.output(), new RegExp(`http://localhost:${edgePort}`));
  const jwks = await fetch(`http://127.0.0.1:${edgePort}/.well-known/jwks.json`);
  t.is(jwks.status, 200);
  // Each upstream's first health check opens its connection; on a busy machine that can outlast the check's deadline once.
  const statuses = await eventually(async () => {
    const health = (await (await fetch(`http://127.0.0.1:${edgePort}/healthz`)).json()) as { upstreams: Record<string, { status: string }> };
    const all = Object.values(health.upstreams).map((u) => u.status);
    return all.every((status) => status === "SERVING") ? all : undefined;
  }, "every upstream SERVING on /healthz", 15_000).catch((error: unknown) => String(error));
  t.deepEqual(statuses, ["SERVING", "SERVING", "SERVING", "SERVING", "SERVING"]);
  await signedInJourney(t, `http://127.0.0.1:${edgePort}`);
  await seedsTwice(t, platform.env, `http://127.0.0.1:${edgePort}`);
  t.is(await run.stop(), 0, run.output().slice(-2000));
});

test.serial("npm start with Envoy installed puts it on the edge port, services call each other through it and verify tokens with the issuer's keys, and Ctrl-C stops all with exit 0", async (t) => {
  tool("envoy"); // fails with the setup hint when it is not installed
  const platform = await TestPlatform.create(t);
  const [edgePort, internalPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const mailDir = mkdtempSync(join(tmpdir(), "junction-start-mail-"));
  const run = await startPlatform(t, {
    ...platform.env,
    JUNCTION_JWKS_URL: "",
    JUNCTION_EDGE: "",
    JUNCTION_EDGE_PORT: String(edgePort),
    JUNCTION_ENVOY_INTERNAL_PORT: String(internalPort),
    JUNCTION_ENVOY_ADMIN_PORT: String(adminPort),
    JUNCTION_MAIL_DIR: mailDir,
    LOG_LEVEL: "warn",
  });
  t.regex(run.output(), /Edge: Envoy \(Envoy is installed/);
  t.regex(run.output(), /Envoy config rendered for this environment's ports and limits: .*var\/run\/envoy-/);
  const info = (await (await fetch(`http://127.0.0.1:${adminPort}/server_info`)).json()) as { version: string; state: string };
  t.regex(info.version, /\/1\.\d+\.\d+\//);
  t.is(info.state, "LIVE");
  const jwks = await fetch(`http://127.0.0.1:${edgePort}/.well-known/jwks.json`);
  t.is(jwks.status, 200);
  t.is(jwks.headers.get("server"), "envoy");
  const anonymous = await fetch(`http://127.0.0.1:${edgePort}/v1/me`);
  t.deepEqual(await anonymous.json(), { code: 16, message: "an access token is required", details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", domain: "junction.dev", reason: "TOKEN_MISSING" }] });
  await signedInJourney(t, `http://127.0.0.1:${edgePort}`);
  t.is(await run.stop(), 0, run.output().slice(-2000));
});

test.serial("npm start killed outright (SIGKILL, no chance to stop anything) takes Envoy and every service with it", async (t) => {
  tool("envoy");
  const platform = await TestPlatform.create(t);
  const [edgePort, internalPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const run = await startPlatform(t, {
    ...platform.env,
    JUNCTION_EDGE: "envoy",
    JUNCTION_EDGE_PORT: String(edgePort),
    JUNCTION_ENVOY_INTERNAL_PORT: String(internalPort),
    JUNCTION_ENVOY_ADMIN_PORT: String(adminPort),
    JUNCTION_MAIL_DIR: mkdtempSync(join(tmpdir(), "junction-start-mail-")),
    LOG_LEVEL: "warn",
  });
  const { stdout } = await promisify(execFile)("ps", ["-o", "pid=", "--ppid", String(run.pid)]);
  const children = stdout.split("\n").map((line) => Number(line.trim())).filter((pid) => pid > 0);
  t.is(children.length, 6, "Envoy and five services");
  process.kill(run.pid, "SIGKILL");
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const left = await eventually(async () => (children.some(alive) ? undefined : []), "every child to exit").catch(() => children.filter(alive));
  t.deepEqual(left, [], run.output().slice(-2000));
});
