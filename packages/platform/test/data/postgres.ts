// Test support: throwaway databases on the real local Postgres, dropped when the test ends.
import { randomBytes } from "node:crypto";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecutionContext } from "ava";
import pg from "pg";

/** The local server's maintenance database. */
export const ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** A database URL on the local server with a fresh random name; nothing is created yet. */
export function freshDatabaseUrl(t: ExecutionContext): string {
  const name = `junction_test_${randomBytes(6).toString("hex")}`;
  t.teardown(() => dropDatabase(name));
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

/** Runs `sql` against the database at `url` and returns the rows. */
export async function query<Row extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A temporary migrations directory holding `migrations` (name → SQL), removed after the test. */
export async function migrationsDir(t: ExecutionContext, migrations: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "junction-migrations-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // Written in reverse so the runner's ordering cannot lean on directory creation order.
  for (const [name, sql] of Object.entries(migrations).reverse()) await writeMigration(dir, name, sql);
  return dir;
}

/** Writes (or overwrites) one migration's migration.sql. */
export async function writeMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(join(dir, name), { recursive: true });
  await writeFile(join(dir, name, "migration.sql"), sql);
}

async function dropDatabase(name: string): Promise<void> {
  await query(ADMIN_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
