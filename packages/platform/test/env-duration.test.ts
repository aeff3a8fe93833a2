import test from "ava";
import { ConfigError, loadConfig } from "../src/config.js";
import { envDuration, parseLongDuration } from "../src/env-duration.js";

test("parseLongDuration reads ms, s, m, h and d", (t) => {
  t.is(parseLongDuration("250ms"), 250);
  t.is(parseLongDuration("15m"), 900_000);
  t.is(parseLongDuration("1.5h"), 5_400_000);
  t.is(parseLongDuration("14d"), 14 * 86_400_000);
  t.is(parseLongDuration("soon"), undefined);
});

test("envDuration uses its default, parses a value and names a bad one", (t) => {
  const spec = { ttl: envDuration("JUNCTION_TTL", "15m", 1000) };
  t.deepEqual(loadConfig(spec, {}), { ttl: 900_000 });
  t.deepEqual(loadConfig(spec, { JUNCTION_TTL: "2d" }), { ttl: 172_800_000 });
  const error = t.throws(() => loadConfig(spec, { JUNCTION_TTL: "10ms" }), { instanceOf: ConfigError });
  t.regex(error!.message, /JUNCTION_TTL: expected a duration/);
  t.throws(() => loadConfig(spec, { JUNCTION_TTL: "later" }), { instanceOf: ConfigError });
});
