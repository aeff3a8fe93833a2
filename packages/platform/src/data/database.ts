// One PostgreSQL database per service, created on first start so a fresh machine needs no
// manual setup. Connection failures name the server and say how to start it.
import pg from "pg";
import { POSTGRES_START_HINT } from "../start-hints.js";

const DEFAULT_BASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const MAINTENANCE_DATABASE = "postgres";
// Node's socket error codes that mean "nobody answered", as opposed to a refusal by Postgres.
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * The URL of `service`'s database: `JUNCTION_<SERVICE>_DATABASE_URL` if set, otherwise `base`
 * with its database replaced by `database` (by default `junction_<service>`).
 */
export function databaseUrl(
  service: string,
  base = process.env.DATABASE_URL ?? DEFAULT_BASE_URL,
  env: Record<string, string | undefined> = process.env,
  database?: string,
): string {
  if (!/^[a-z][a-z0-9_-]*$/.test(service)) throw new Error(`invalid service name for a database: "${service}"`);
  const id = service.replaceAll("-", "_");
  const override = env[`JUNCTION_${id.toUpperCase()}_DATABASE_URL`];
  if (override) return override;
  return withDatabase(base, database ?? `junction_${id}`);
}

/** The database name in a Postgres URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  if (!name) throw new Error(`no database name in ${redact(url)}`);
  return name;
}

/** A connected pg client for `url`; an unreachable server becomes an error that says how to start it. */
export async function connectPostgres(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // A dropped connection emits 'error' on the client; without a listener that would crash the process.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw unreachable(url, error) ?? error;
  }
  return client;
}

/**
 * Creates the database named in `url` if it does not exist, via the maintenance database on the
 * same server. Safe when several processes race. Returns whether this call created it.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const admin = await connectPostgres(withDatabase(url, MAINTENANCE_DATABASE));
  try {
    const existing = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (existing.rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
      return true;
    } catch (error) {
      // Another process created it between our check and our CREATE: 42P04 duplicate_database,
      // or 23505 when both inserts reach pg_database's unique index at the same moment.
      const code = (error as { code?: string }).code;
      if (code === "42P04" || code === "23505") return false;
      throw error;
    }
  } finally {
    await admin.end().catch(() => {});
  }
}

/** `name` quoted as a Postgres identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

function unreachable(url: string, error: unknown): Error | undefined {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  // pg reports its own connect timeout without a code.
  if (!(code && UNREACHABLE_CODES.has(code)) && !/timeout/i.test(message)) return undefined;
  const { hostname, port } = new URL(url);
  return new Error(
    `Postgres at ${hostname || "localhost"}:${port || "5432"} is unreachable (${code ?? message}); start it with: ${POSTGRES_START_HINT}`,
    { cause: error },
  );
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
