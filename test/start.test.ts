// `npm start` refuses to start without its dependencies, naming each missing one and how to start it.
import test from "ava";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { formatLogLine } from "../scripts/platform-processes.js";
import { TestPlatform, eventually } from "./support/platform.js";
import { freePort } from "../packages/platform/test/support/ports.js";

test("npm start names an unreachable dependency and how to start it, and exits non-zero", async (t) => {
  const root = new URL("..", import.meta.url).pathname;
  const error = await t.throwsAsync<Error & { code: number; stderr: string }>(
    promisify(execFile)(process.execPath, ["--import=tsx", "scripts/start.ts"], {
      cwd: root,
      env: { ...process.env, REDIS_URL: "redis://127.0.0.1:1", NATS_URL: "nats://127.0.0.1:2" },
      timeout: 30_000,
    }),
  );
  t.is(error?.code, 1);
  t.regex(error!.stderr, /Redis is not reachable at 127\.0\.0\.1:1\. Start it with:\s+npm run setup/);
  t.regex(error!.stderr, /NATS is not reachable at 127\.0\.0\.1:2\. Start it with:\s+npm run setup/);
  t.notRegex(error!.stderr, /PostgreSQL is not reachable/);
});

test("service logs are shown as short readable lines", (t) => {
  const line = JSON.stringify({ level: 30, time: "2026-11-22T07:30:01.123Z", service: "auth", msg: "auth listening", port: 50051, request_id: "r1" });
  t.is(formatLogLine(line), "07:30:01 INFO  auth listening  port=50051 request_id=r1");
  t.is(formatLogLine("plain text"), "plain text");
});

test("npm start brings every service and the edge up, serves a REST call, and Ctrl-C stops all with exit 0", async (t) => {
  const platform = await TestPlatform.create(t);
  const edgePort = await freePort();
  const mailDir = mkdtempSync(join(tmpdir(), "junction-start-mail-"));
  const child = spawn(process.execPath, ["--import=tsx", "scripts/start.ts"], {
    cwd: new URL("..", import.meta.url).pathname,
    env: { ...platform.env, JUNCTION_EDGE_PORT: String(edgePort), JUNCTION_MAIL_DIR: mailDir, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.teardown(() => child.kill("SIGKILL"));
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, "exit");
  await eventually(async () => (output.includes("Ctrl-C stops everything") ? true : undefined), "the platform to come up and print its URLs", 90_000, 200);
  t.regex(output, new RegExp(`http://localhost:${edgePort}`));
  const jwks = await fetch(`http://127.0.0.1:${edgePort}/.well-known/jwks.json`);
  t.is(jwks.status, 200);
  const health = (await (await fetch(`http://127.0.0.1:${edgePort}/healthz`)).json()) as { upstreams: Record<string, { status: string }> };
  t.deepEqual(Object.values(health.upstreams).map((u) => u.status), ["SERVING", "SERVING", "SERVING", "SERVING", "SERVING"]);
  child.kill("SIGINT");
  const [code] = (await exited) as [number];
  t.is(code, 0, output.slice(-2000));
});
