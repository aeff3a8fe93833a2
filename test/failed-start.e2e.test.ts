// A service whose start fails part-way (NATS unreachable after Postgres and Redis were opened)
// reports the missing dependency and leaves nothing open behind it.
import test from "ava";
import pg from "pg";
import { createLogger } from "@junction/platform";
import { TestPlatform, eventually } from "./support/platform.js";
import { startUsers } from "./support/services.js";

test("a failed start names the unreachable dependency and closes what it had opened", async (t) => {
  const platform = await TestPlatform.create(t);
  const env = { ...platform.env, NATS_URL: "nats://127.0.0.1:1" };
  await t.throwsAsync(startUsers({ env, logger: createLogger("users", "silent") }), { message: /NATS at nats:\/\/127\.0\.0\.1:1 is unreachable/ });
  const database = new URL(platform.databaseUrl("users")).pathname.slice(1);
  const admin = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
  await admin.connect();
  t.teardown(() => admin.end());
  const open = await eventually(async () => {
    const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1", [database]);
    return rows[0]!.n === 0 ? 0 : undefined;
  }, "the users database connections to close", 5_000);
  t.is(open, 0);
  const redis = platform.redis;
  const clients = (await redis.client("LIST")) as string;
  t.notRegex(clients, new RegExp(`name=${platform.env.JUNCTION_REDIS_NAMESPACE}-users\\b`), "its Redis connection is closed");
});
