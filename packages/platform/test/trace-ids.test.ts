// A request that brings no traceparent gets a new root: well-formed, unsampled, and never the
// same twice, also across the refills of the pool its random bytes are cut from.
import test from "ava";
import { passThroughTraceparent, traceIdOf } from "../src/observability/tracing.js";

test("new roots are well-formed W3C traceparents, each trace and span id different", (t) => {
  const traces = new Set<string>();
  const spans = new Set<string>();
  // 10,000 roots use the 4 KiB pool about 60 times over.
  for (let i = 0; i < 10_000; i++) {
    const traceparent = passThroughTraceparent(undefined);
    t.regex(traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    traces.add(traceIdOf(traceparent)!);
    spans.add(traceparent.split("-")[2]!);
  }
  t.is(traces.size, 10_000);
  t.is(spans.size, 10_000);
});

test("a caller's valid traceparent passes as it is; a malformed one is replaced", (t) => {
  const theirs = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  t.is(passThroughTraceparent(theirs), theirs);
  t.not(passThroughTraceparent("00-zz-b7ad6b7169203331-01"), "00-zz-b7ad6b7169203331-01");
});
