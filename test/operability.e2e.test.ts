// The platform as an operator runs it (`npm start`: every service and the TypeScript edge a
// process of its own) at debug level: every process's /metrics parses as Prometheus text and has
// what dashboards and alerts need, with no label named `service` (Prometheus's target label);
// every call leaves one access line with its trace, span and request ids and its verified caller;
// no log line of a whole account's life holds a secret; and SIGTERM to the whole process group
// (Ctrl-C, a container runtime) loses no process's shutdown lines.
import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import parsePrometheusTextFormat, { type MetricFamily } from "parse-prometheus-text-format";
import { freePort } from "../packages/platform/test/support/ports.js";
import { runAccountFlow, type AccountFlow } from "./support/account-flow.js";
import { serviceNames } from "./support/junction.js";
import { startPlatformRun, type PlatformRun } from "./support/platform-run.js";
import { TestPlatform } from "./support/platform.js";

const PER_USER = 30;
let platform: TestPlatform;
let run: PlatformRun;
let edgeUrl: string;
let flow: AccountFlow;

test.before(async (t) => {
  t.timeout(300_000);
  platform = await TestPlatform.create(undefined);
  const edgePort = await freePort();
  edgeUrl = `http://127.0.0.1:${edgePort}`;
  const mailDir = mkdtempSync(join(tmpdir(), "junction-operability-mail-"));
  run = await startPlatformRun({
    ...platform.env,
    JUNCTION_EDGE: "typescript",
    JUNCTION_EDGE_PORT: String(edgePort),
    JUNCTION_MAIL_DIR: mailDir,
    JUNCTION_EDGE_RATE_LIMIT_PER_USER: String(PER_USER),
    LOG_LEVEL: "debug",
    // Access lines turned down to debug, as an operator would to quiet them: they are then the debug lines.
    JUNCTION_ACCESS_LOG_LEVEL: "debug",
  });
  flow = await runAccountFlow(edgeUrl, mailDir, `flow-${Date.now()}@example.com`);
});
test.after.always(async () => {
  run?.kill();
  await platform?.close();
});

/** `url`'s /metrics parsed twice: as families, and as series with every label (the parser folds a histogram's series into one, dropping labels, so they are also parsed untyped). */
async function scrape(url: string): Promise<MetricFamily[]> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`${url}/metrics answered ${res.status}`);
  if (!res.headers.get("content-type")?.startsWith("text/plain; version=0.0.4")) throw new Error(`${url}/metrics is not Prometheus text`);
  const text = await res.text();
  const families = parsePrometheusTextFormat(text);
  const series = parsePrometheusTextFormat(text.replace(/^# TYPE \S+ (histogram|summary)$/gm, ""));
  const typed = new Set(families.map((f) => f.name));
  return [...families, ...series.filter((f) => !typed.has(f.name))];
}
// Untyped, a histogram's series come as many one-line families of the same name.
const samples = (families: MetricFamily[], name: string) => families.filter((f) => f.name === name).flatMap((f) => f.metrics);

test.serial("every process's /metrics is valid Prometheus text, names what runs, and has no `service` label", async (t) => {
  const processes = { ...Object.fromEntries(serviceNames.map((name) => [name, platform.url(name)])), edge: edgeUrl };
  for (const [name, url] of Object.entries(processes)) {
    const families = await scrape(url);
    t.true(families.length > 20, `${name} has metric families`);
    t.deepEqual(samples(families, "junction_build_info").map((s) => s.labels?.name), [name], `${name} says what it is`);
    const withServiceLabel = families.filter((f) => f.metrics.some((s) => s.labels && "service" in s.labels)).map((f) => f.name);
    t.deepEqual(withServiceLabel, [], `${name}: no label is named service`);
    for (const family of families.filter((f) => f.type !== "UNTYPED")) t.true(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(family.name) && family.help.length > 0, `${name}: ${family.name} is named and explained`);
  }
  const auth = await scrape(platform.url("auth"));
  t.true(samples(auth, "junction_events_published_total").some((s) => s.labels?.producer === "auth" && s.labels.type === "auth.user.created"), "auth's events are counted by producer");
  t.true(samples(auth, "junction_events_outbox_lag_seconds").some((s) => s.labels?.producer === "auth"));
});

test.serial("the edge records REST calls as the RPCs they map to, refused tokens included, and counts rate-limited requests", async (t) => {
  const me = (token?: string) => fetch(`${edgeUrl}/v1/me`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  t.is((await me()).status, 401);
  const login = await fetch(`${edgeUrl}/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: flow.email, password: flow.secrets.newPassword }) });
  const { accessToken } = (await login.json()) as { accessToken: string };
  // Fixed one-minute windows: a window may end during the loop, so go on until the limit bites.
  let status = 200;
  for (let i = 0; i <= PER_USER * 2 && status !== 429; i++) status = (await me(accessToken)).status;
  t.is(status, 429);

  const edge = await scrape(edgeUrl);
  const served = samples(edge, "junction_rpc_server_duration_seconds_count");
  const count = (service: string, method: string, code: string) =>
    Number(served.find((s) => s.labels?.rpc_service === service && s.labels.rpc_method === method && s.labels.code === code)?.value ?? 0);
  t.true(count("junction.auth.v1.AuthService", "Register", "OK") >= 1, "a REST registration is recorded");
  t.true(count("junction.users.v1.UsersService", "GetMe", "Unauthenticated") >= 1, "a REST 401 is recorded");
  t.true(count("junction.users.v1.UsersService", "GetMe", "OK") >= PER_USER - 1);
  t.true(Number(samples(edge, "junction_edge_rate_limited_total").find((s) => s.labels?.limit === "user")?.value ?? 0) >= 1, "a 429 is counted");
});

/** Every JSON log line of the run, with the process that wrote it (npm start prefixes "name |" when not at a terminal). */
function logLines(): Array<{ process: string; line: Record<string, unknown>; raw: string }> {
  return run
    .output()
    .split("\n")
    .flatMap((raw) => {
      const match = /^(\S+)\s+\| (\{.*\})$/.exec(raw);
      if (!match) return [];
      try {
        return [{ process: match[1]!, line: JSON.parse(match[2]!) as Record<string, unknown>, raw }];
      } catch {
        return [];
      }
    });
}

test.serial("every call leaves an access line: route or RPC, code, duration, trace, span and request ids, the verified caller", (t) => {
  const access = logLines().filter(({ line }) => line.msg === "access");
  const register = access.find(({ process, line }) => process === "edge" && line.route === "POST /v1/auth/register");
  t.like(register?.line, { code: "OK", status: 200, level: 20 });
  t.is(typeof register?.line.duration_ms, "number");
  t.regex(String(register?.line.request_id), /^[0-9a-f-]{36}$/);
  t.regex(String(register?.line.trace_id), /^[0-9a-f]{32}$/);
  const served = access.find(({ process, line }) => process === "auth" && line.rpc === "junction.auth.v1.AuthService/Register" && line.request_id === register?.line.request_id);
  t.like(served?.line, { code: "OK", caller: "edge", trace_id: register?.line.trace_id }, "auth's line for the same call: same request and trace, called by the edge");
  const me = access.find(({ process, line }) => process === "users" && line.rpc === "junction.users.v1.UsersService/GetMe" && line.code === "OK");
  t.is(me?.line.user, flow.userId, "a signed-in call names the user's subject");
  const refused = access.find(({ process, line }) => process === "edge" && line.route === "GET /v1/me" && line.code === "Unauthenticated");
  t.is(refused?.line.status, 401);
});

test.serial("no log line of a whole account's life, at debug level, holds a secret", (t) => {
  const output = run.output();
  t.true(logLines().some(({ line }) => line.level === 20), "debug lines are there");
  for (const [name, secret] of Object.entries(flow.secrets)) t.false(output.includes(secret), `${name} is in a log line`);
  // Access tokens and service tokens are JWTs: none appears, whoever's it is.
  t.deepEqual(output.match(/eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g) ?? [], []);
  t.false(/bearer\s+[\w-]{8,}/i.test(output), "no Authorization header value");
});

test.serial("SIGTERM to the whole process group: every process logs its shutdown, and npm start exits 0", async (t) => {
  const code = await run.stopGroup("SIGTERM");
  const stopped = new Set(logLines().filter(({ process, line }) => line.msg === `${process} stopped`).map(({ process }) => process));
  t.deepEqual([...stopped].sort(), [...serviceNames, "edge"].sort(), run.output().slice(-3000));
  t.is(code, 0);
});
