// `npm start` refuses to start without its dependencies, naming each missing one and how to start it.
import test from "ava";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { formatLogLine } from "../scripts/platform-processes.js";

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
  t.regex(error!.stderr, /Redis is not reachable at 127\.0\.0\.1:1\. Start it with:\s+redis-server/);
  t.regex(error!.stderr, /NATS is not reachable at 127\.0\.0\.1:2\. Start it with:\s+start-stop-daemon .*nats-server/);
  t.notRegex(error!.stderr, /PostgreSQL is not reachable/);
});

test("service logs are shown as short readable lines", (t) => {
  const line = JSON.stringify({ level: 30, time: "2026-11-22T07:30:01.123Z", service: "auth", msg: "auth listening", port: 50051, request_id: "r1" });
  t.is(formatLogLine(line), "07:30:01 INFO  auth listening  port=50051 request_id=r1");
  t.is(formatLogLine("plain text"), "plain text");
});
