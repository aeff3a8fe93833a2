// Configuration is read once and a bad value names its variable.
import test from "ava";
import { ConfigError, envBool, envInt, envPort, envString, envUrl, envUrlList, loadConfig } from "../src/config.js";

const spec = {
  port: envPort("JUNCTION_AUTH_PORT", 50051),
  workers: envInt("JUNCTION_WORKERS", 2, 1, 16),
  debug: envBool("JUNCTION_DEBUG", false),
  database: envUrl("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
  upstreams: envUrlList("JUNCTION_ORGS_URL", "http://127.0.0.1:50053"),
};

test("defaults apply when variables are unset or empty", (t) => {
  const config = loadConfig(spec, { JUNCTION_DEBUG: "" });
  t.deepEqual(config, {
    port: 50051,
    workers: 2,
    debug: false,
    database: "postgres://postgres@127.0.0.1:5432/postgres",
    upstreams: ["http://127.0.0.1:50053"],
  });
});

test("values are parsed into their types", (t) => {
  const config = loadConfig(spec, { JUNCTION_AUTH_PORT: "6000", JUNCTION_DEBUG: "yes", JUNCTION_ORGS_URL: "http://a:1, http://b:2" });
  t.is(config.port, 6000);
  t.true(config.debug);
  t.deepEqual(config.upstreams, ["http://a:1", "http://b:2"]);
});

test("every bad variable is named in one error", (t) => {
  const error = t.throws(() => loadConfig(spec, { JUNCTION_AUTH_PORT: "http", JUNCTION_WORKERS: "99", DATABASE_URL: "not a url" }), {
    instanceOf: ConfigError,
  });
  t.regex(error!.message, /JUNCTION_AUTH_PORT: expected a port number from 0 to 65535, got "http"/);
  t.regex(error!.message, /JUNCTION_WORKERS: expected an integer from 1 to 16, got "99"/);
  t.regex(error!.message, /DATABASE_URL: expected a URL, got "not a url"/);
});

test("a required variable without a default must be set", (t) => {
  const error = t.throws(() => loadConfig({ secret: envString("JUNCTION_SERVICE_SECRET") }, {}), { instanceOf: ConfigError });
  t.regex(error!.message, /JUNCTION_SERVICE_SECRET: expected a non-empty string, it is not set/);
});
