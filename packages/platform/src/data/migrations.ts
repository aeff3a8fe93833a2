// Applies Prisma-layout SQL migrations at start-up. `prisma migrate` needs a schema engine we
// cannot download offline, so this runner does the deploy step itself while keeping Prisma's
// `_prisma_migrations` table exactly as Prisma would, so the Prisma CLI can take over anywhere.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type pg from "pg";
import { connectPostgres, quoteIdentifier } from "./database.js";

/** Where the runner reports progress; a pino Logger fits. */
export interface MigrationLog {
  info(message: string): void;
  warn(message: string): void;
}

/** One migration directory: `<stamp>_<name>/migration.sql`. */
export interface Migration {
  readonly name: string;
  readonly script: string;
  readonly checksum: string;
}

// The advisory lock id Prisma Migrate itself takes, so our runner and the Prisma CLI also
// exclude each other.
const PRISMA_MIGRATE_LOCK = 72707369;

// Prisma's own DDL for its bookkeeping table (schema engine, Postgres flavour).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

const silent: MigrationLog = { info() {}, warn() {} };

/** Where a set of migrations lives inside the database. */
export interface MigrationTarget {
  /**
   * A Postgres schema of its own (created if missing) for these migrations and their
   * `_prisma_migrations` table, e.g. the platform's event tables; the default is the
   * connection's search path (`public`), where a service's own Prisma schema lives.
   */
  schema?: string;
}

/**
 * Applies the pending migrations in `migrationsDir` to the database at `url`, each in its own
 * transaction with its `_prisma_migrations` row, and returns their names in order.
 */
export async function applyMigrations(
  url: string,
  migrationsDir: string,
  log: MigrationLog = silent,
  target: MigrationTarget = {},
): Promise<string[]> {
  const migrations = await readMigrations(migrationsDir);
  if (migrations.length === 0) return [];

  const client = await connectPostgres(url);
  try {
    // Session-level lock, held until the connection closes: concurrent starters run one by one.
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [PRISMA_MIGRATE_LOCK]);
    if (!rows[0]?.locked) {
      log.info("waiting for another process to finish migrating");
      await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
    }
    if (target.schema) {
      // Under the lock, so concurrent starters never race on CREATE SCHEMA. A separate schema
      // keeps its own bookkeeping, invisible to the service's Prisma migration history.
      const schema = quoteIdentifier(target.schema);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`SET search_path TO ${schema}`);
    }
    await client.query(CREATE_MIGRATIONS_TABLE);
    const applied = await appliedChecksums(client);

    for (const [name, checksum] of applied) {
      const migration = migrations.find((m) => m.name === name);
      if (!migration) log.warn(`migration ${name} is applied to the database but missing from ${migrationsDir}`);
      else if (!checksumMatches(migration.script, checksum)) {
        throw new Error(`migration ${name} was modified after it was applied (checksum differs); add a new migration instead`);
      }
    }

    const done: string[] = [];
    for (const migration of migrations.filter((m) => !applied.has(m.name))) {
      const started = performance.now();
      await applyOne(client, migration);
      log.info(`applied migration ${migration.name} in ${Math.round(performance.now() - started)} ms`);
      done.push(migration.name);
    }
    return done;
  } finally {
    // Closing the session also releases the advisory lock.
    await client.end().catch(() => {});
  }
}

/** The migrations in `migrationsDir` in lexical order; none if the directory does not exist. */
export async function readMigrations(migrationsDir: string): Promise<Migration[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw error;
  }
  // Files such as migration_lock.toml sit beside the directories and are not migrations.
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(migrationsDir, name, "migration.sql")).catch((error: unknown) => {
        throw new Error(`migration ${name} has no migration.sql in ${migrationsDir}`, { cause: error });
      });
      return { name, script: bytes.toString("utf8"), checksum: prismaChecksum(bytes) };
    }),
  );
}

/** The checksum Prisma records for a migration script: SHA-256 of its bytes, lowercase hex. */
export function prismaChecksum(script: string | Uint8Array): string {
  return createHash("sha256").update(script).digest("hex");
}

/**
 * Whether `script` matches a recorded checksum the way Prisma decides it: regardless of LF/CRLF
 * line endings (git may convert them), and accepting the unpadded hex older Prisma versions wrote.
 */
export function checksumMatches(script: string, recorded: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  return variants.some((variant) => {
    const digest = createHash("sha256").update(variant).digest();
    const hex = recorded.length === 64 ? digest.toString("hex") : [...digest].map((b) => b.toString(16)).join("");
    return hex === recorded;
  });
}

/** Applied migrations (name → checksum); refuses to go on past one Prisma recorded as failed. */
async function appliedChecksums(client: pg.Client): Promise<Map<string, string>> {
  const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
    `SELECT migration_name, checksum, finished_at FROM _prisma_migrations
      WHERE rolled_back_at IS NULL ORDER BY started_at`,
  );
  const applied = new Map<string, string>();
  for (const row of rows) {
    // Our runner never leaves such a row; `prisma migrate deploy` does when a migration fails.
    if (!row.finished_at) {
      throw new Error(
        `migration ${row.migration_name} failed earlier and is not resolved; fix the database, then run ` +
          `\`prisma migrate resolve --applied\` or \`--rolled-back\` for it`,
      );
    }
    applied.set(row.migration_name, row.checksum);
  }
  return applied;
}

async function applyOne(client: pg.Client, migration: Migration): Promise<void> {
  await client.query("BEGIN");
  try {
    // No parameters: pg sends the simple-query protocol, which runs a multi-statement script.
    await client.query(migration.script);
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw new Error(`migration ${migration.name} failed: ${describe(error, migration.script)}`, { cause: error });
  }
}

function describe(error: unknown, script: string): string {
  const { message, code, position } = error as { message?: string; code?: string; position?: string };
  let text = message ?? String(error);
  if (code) text += ` (SQLSTATE ${code})`;
  // Postgres reports a 1-based character offset into the script; a line number is easier to find.
  const offset = Number(position);
  if (offset > 0) text += ` at line ${script.slice(0, offset - 1).split("\n").length}`;
  return text;
}
