import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { ensureDatabase } from "../../src/data/database.js";
import { applyMigrations, type MigrationLog } from "../../src/data/migrations.js";
import { freshDatabaseUrl, migrationsDir, query, writeMigration } from "./postgres.js";

const THREE = {
  "20260101000000_accounts": `CREATE TABLE accounts (id serial PRIMARY KEY, email text NOT NULL);`,
  // Needs the table from the first migration: fails if applied out of order.
  "20260102000000_account_names": `ALTER TABLE accounts ADD COLUMN name text;\nINSERT INTO accounts (email, name) VALUES ('ada@example.com', 'Ada');`,
  "20260103000000_teams": `CREATE TABLE teams (id serial PRIMARY KEY);`,
};

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function freshDatabase(t: Parameters<typeof freshDatabaseUrl>[0]): Promise<string> {
  const url = freshDatabaseUrl(t);
  await ensureDatabase(url);
  return url;
}

function recordingLog(): MigrationLog & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, warn: (message) => warnings.push(message) };
}

const tableExists = async (url: string, table: string) =>
  (await query<{ t: string | null }>(url, "SELECT to_regclass($1)::text AS t", [table]))[0]?.t === table;

test("applies pending migrations once, in lexical order, ignoring migration_lock.toml", async (t) => {
  const url = await freshDatabase(t);
  const dir = await migrationsDir(t, THREE);
  await writeFile(join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');

  t.deepEqual(await applyMigrations(url, dir), Object.keys(THREE));
  t.deepEqual(await applyMigrations(url, dir), []);
  t.deepEqual(await query(url, "SELECT email, name FROM accounts"), [{ email: "ada@example.com", name: "Ada" }]);

  await writeMigration(dir, "20260104000000_projects", "CREATE TABLE projects (id serial PRIMARY KEY);");
  t.deepEqual(await applyMigrations(url, dir), ["20260104000000_projects"]);
  t.true(await tableExists(url, "projects"));
});

test("_prisma_migrations has Prisma's columns, checksums and finished rows", async (t) => {
  const url = await freshDatabase(t);
  const dir = await migrationsDir(t, THREE);
  await applyMigrations(url, dir);

  const columns = await query(
    url,
    `SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
       FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
  );
  t.deepEqual(columns, [
    { column_name: "id", data_type: "character varying", length: 36, is_nullable: "NO", column_default: null },
    { column_name: "checksum", data_type: "character varying", length: 64, is_nullable: "NO", column_default: null },
    { column_name: "finished_at", data_type: "timestamp with time zone", length: null, is_nullable: "YES", column_default: null },
    { column_name: "migration_name", data_type: "character varying", length: 255, is_nullable: "NO", column_default: null },
    { column_name: "logs", data_type: "text", length: null, is_nullable: "YES", column_default: null },
    { column_name: "rolled_back_at", data_type: "timestamp with time zone", length: null, is_nullable: "YES", column_default: null },
    { column_name: "started_at", data_type: "timestamp with time zone", length: null, is_nullable: "NO", column_default: "now()" },
    { column_name: "applied_steps_count", data_type: "integer", length: null, is_nullable: "NO", column_default: "0" },
  ]);
  const primaryKey = await query(
    url,
    `SELECT a.attname AS column FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = '_prisma_migrations'::regclass AND i.indisprimary`,
  );
  t.deepEqual(primaryKey, [{ column: "id" }]);

  const rows = await query<{ id: string; migration_name: string; checksum: string; finished_at: Date | null; started_at: Date }>(
    url,
    "SELECT * FROM _prisma_migrations ORDER BY migration_name",
  );
  t.deepEqual(
    rows.map((r) => [r.migration_name, r.checksum]),
    Object.entries(THREE).map(([name, sql]) => [name, sha256(sql)]),
  );
  for (const row of rows) {
    t.regex(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    t.truthy(row.finished_at);
    t.true(row.finished_at! >= row.started_at);
    t.like(row, { applied_steps_count: 1, logs: null, rolled_back_at: null });
  }
});

test("concurrent runners apply each migration exactly once", async (t) => {
  const url = await freshDatabase(t);
  const dir = await migrationsDir(t, {
    // Slow enough that the other runners are certainly waiting on the lock meanwhile.
    "20260101000000_slow": "SELECT pg_sleep(0.3); CREATE TABLE events (id serial PRIMARY KEY, note text);",
    "20260102000000_seed": "INSERT INTO events (note) VALUES ('seeded');",
    "20260103000000_more": "INSERT INTO events (note) VALUES ('more');",
  });

  const results = await Promise.all(Array.from({ length: 4 }, () => applyMigrations(url, dir)));
  t.deepEqual(results.flat().sort(), ["20260101000000_slow", "20260102000000_seed", "20260103000000_more"]);
  t.deepEqual(await query(url, "SELECT note FROM events ORDER BY id"), [{ note: "seeded" }, { note: "more" }]);
  t.deepEqual(await query(url, "SELECT count(*)::int AS n FROM _prisma_migrations"), [{ n: 3 }]);
});

test("a failing migration leaves nothing half-applied and is named in the error", async (t) => {
  const url = await freshDatabase(t);
  const dir = await migrationsDir(t, {
    ...THREE,
    "20260102000000_account_names": "ALTER TABLE accounts ADD COLUMN name text;\nCREATE TABLE half (id int);\nSELEKT 1;",
  });

  const error = await t.throwsAsync(applyMigrations(url, dir));
  t.regex(error.message, /migration 20260102000000_account_names failed: syntax error at or near "SELEKT" \(SQLSTATE 42601\) at line 3/);
  t.true(await tableExists(url, "accounts"));
  t.false(await tableExists(url, "half"));
  t.deepEqual(await query(url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' ORDER BY 1"), [
    { column_name: "email" },
    { column_name: "id" },
  ]);
  t.false(await tableExists(url, "teams"), "later migrations are not attempted");
  t.deepEqual(await query(url, "SELECT migration_name FROM _prisma_migrations"), [{ migration_name: "20260101000000_accounts" }]);

  // Once fixed (it was never recorded, so editing it is allowed), the rest applies.
  await writeMigration(dir, "20260102000000_account_names", THREE["20260102000000_account_names"]);
  t.deepEqual(await applyMigrations(url, dir), ["20260102000000_account_names", "20260103000000_teams"]);
});

test("a migration's effects commit only together with its bookkeeping row", async (t) => {
  const url = await freshDatabase(t);
  // The script itself succeeds but makes recording it impossible, so only the enclosing
  // transaction can keep its table from surviving.
  const dir = await migrationsDir(t, {
    "20260101000000_unrecordable":
      "CREATE TABLE orphan (id int);\nALTER TABLE _prisma_migrations ADD CONSTRAINT refuse CHECK (migration_name <> '20260101000000_unrecordable');",
  });

  const error = await t.throwsAsync(applyMigrations(url, dir));
  t.regex(error.message, /migration 20260101000000_unrecordable failed: .*"refuse"/);
  t.false(await tableExists(url, "orphan"));
  t.deepEqual(await query(url, "SELECT count(*)::int AS n FROM _prisma_migrations"), [{ n: 0 }]);
});

test("a migration modified after it was applied is refused, by name", async (t) => {
  const url = await freshDatabase(t);
  const dir = await migrationsDir(t, THREE);
  await applyMigrations(url, dir);

  await writeMigration(dir, "20260103000000_teams", "CREATE TABLE teams (id bigserial PRIMARY KEY);");
  await writeMigration(dir, "20260104000000_projects", "CREATE TABLE projects (id serial PRIMARY KEY);");
  const error = await t.throwsAsync(applyMigrations(url, dir));
  t.regex(error.message, /migration 20260103000000_teams was modified after it was applied/);
  t.false(await tableExists(url, "projects"), "nothing is applied past a modified migration");
});

test("only line endings changed (git autocrlf) is not a modification, as in Prisma", async (t) => {
  const url = await freshDatabase(t);
  const dir = await migrationsDir(t, THREE);
  await applyMigrations(url, dir);

  const file = join(dir, "20260102000000_account_names", "migration.sql");
  await writeFile(file, (await readFile(file, "utf8")).replaceAll("\n", "\r\n"));
  t.deepEqual(await applyMigrations(url, dir), []);
});

test("an applied migration missing from the directory only warns", async (t) => {
  const url = await freshDatabase(t);
  const first = await migrationsDir(t, THREE);
  await applyMigrations(url, first);

  const { "20260102000000_account_names": _gone, ...rest } = THREE;
  const second = await migrationsDir(t, { ...rest, "20260104000000_projects": "CREATE TABLE projects (id serial PRIMARY KEY);" });
  const log = recordingLog();
  t.deepEqual(await applyMigrations(url, second, log), ["20260104000000_projects"]);
  t.is(log.warnings.length, 1);
  t.regex(log.warnings[0]!, /20260102000000_account_names is applied to the database but missing/);
});

test("a migration Prisma recorded as failed stops the runner", async (t) => {
  const url = await freshDatabase(t);
  const dir = await migrationsDir(t, THREE);
  await applyMigrations(url, dir);
  await query(url, "UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = '20260103000000_teams'");

  const error = await t.throwsAsync(applyMigrations(url, dir));
  t.regex(error.message, /migration 20260103000000_teams failed earlier and is not resolved/);
});

test("a missing or empty migrations directory is a no-op", async (t) => {
  const url = await freshDatabase(t);
  t.deepEqual(await applyMigrations(url, join(await migrationsDir(t, {}), "absent")), []);
  t.deepEqual(await applyMigrations(url, await migrationsDir(t, {})), []);
  t.false(await tableExists(url, "_prisma_migrations"));
});
