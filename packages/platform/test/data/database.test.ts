import test from "ava";
import { databaseName, databaseUrl, ensureDatabase } from "../../src/data/database.js";
import { ADMIN_URL, freshDatabaseUrl, query } from "./postgres.js";

const exists = async (name: string) =>
  (await query(ADMIN_URL, "SELECT 1 FROM pg_database WHERE datname = $1", [name])).length === 1;

test("databaseUrl names one database per service on the base server", (t) => {
  t.is(databaseUrl("auth", "postgres://postgres@127.0.0.1:5432/postgres", {}), "postgres://postgres@127.0.0.1:5432/junction_auth");
  t.is(
    databaseUrl("orgs", "postgresql://app:s%40cret@db.internal:6543/main?sslmode=require", {}),
    "postgresql://app:s%40cret@db.internal:6543/junction_orgs?sslmode=require",
  );
});

test("databaseUrl prefers JUNCTION_<SERVICE>_DATABASE_URL", (t) => {
  const env = { JUNCTION_NOTIFICATIONS_DATABASE_URL: "postgres://x@elsewhere:5432/notes" };
  t.is(databaseUrl("notifications", ADMIN_URL, env), "postgres://x@elsewhere:5432/notes");
  t.is(databaseUrl("audit", ADMIN_URL, env), "postgres://postgres@127.0.0.1:5432/junction_audit");
});

test("databaseUrl rejects a service name that is not a plain identifier", (t) => {
  t.throws(() => databaseUrl('auth"; DROP', ADMIN_URL, {}), { message: /invalid service name/ });
});

test("ensureDatabase creates a missing database and is idempotent", async (t) => {
  const url = freshDatabaseUrl(t);
  const name = databaseName(url);
  t.false(await exists(name));

  t.true(await ensureDatabase(url));
  t.true(await exists(name));
  t.false(await ensureDatabase(url));
  t.deepEqual(await query(url, "SELECT current_database() AS db"), [{ db: name }]);
});

test("ensureDatabase is safe when several processes race to create the database", async (t) => {
  const url = freshDatabaseUrl(t);
  const created = await Promise.all(Array.from({ length: 4 }, () => ensureDatabase(url)));
  t.is(created.filter(Boolean).length, 1);
  t.true(await exists(databaseName(url)));
});

test("ensureDatabase says where Postgres is unreachable and how to start it", async (t) => {
  const error = await t.throwsAsync(ensureDatabase("postgres://postgres@127.0.0.1:1/junction_nowhere"));
  t.regex(error.message, /Postgres at 127\.0\.0\.1:1 is unreachable/);
  t.true(error.message.includes("npm run setup"));
});
