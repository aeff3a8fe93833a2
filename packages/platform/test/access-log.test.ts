// Access lines: one per call at the configured level (info by default), but a health check that
// succeeds one level lower, so probes every few seconds do not bury the calls in the log.
import test from "ava";
import { INVALID_SPAN_CONTEXT, trace } from "@opentelemetry/api";
import pino from "pino";
import { logAccess } from "../src/observability/access-log.js";

function capture(level: string) {
  const lines: Array<{ level: number; rpc?: string; code: string }> = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const call = (rpc: string, code: string) => logAccess(logger, { rpc, code, durationMs: 1, requestId: "r1", span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT) });
  return { lines, call };
}

test("a successful health check is logged at debug, every other call (and a failing check) at info", (t) => {
  const { lines, call } = capture("debug");
  call("grpc.health.v1.Health/Check", "OK");
  call("grpc.health.v1.Health/Check", "Unavailable");
  call("junction.orgs.v1.OrgsService/GetOrganization", "OK");
  t.deepEqual(
    lines.map(({ level, rpc, code }) => [level, rpc, code]),
    [
      [20, "grpc.health.v1.Health/Check", "OK"],
      [30, "grpc.health.v1.Health/Check", "Unavailable"],
      [30, "junction.orgs.v1.OrgsService/GetOrganization", "OK"],
    ],
  );
});

test("at the default log level the probes leave no line at all", (t) => {
  const { lines, call } = capture("info");
  call("grpc.health.v1.Health/Check", "OK");
  call("grpc.health.v1.Health/Watch", "OK");
  call("junction.orgs.v1.OrgsService/GetOrganization", "OK");
  t.deepEqual(lines.map((line) => line.rpc), ["junction.orgs.v1.OrgsService/GetOrganization"]);
});
