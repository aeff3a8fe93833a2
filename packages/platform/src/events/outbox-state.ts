// How far a service's outbox is behind: unsent rows, the age of the oldest, and what holds up the
// first one. The relay reports it as metrics; `npm run events -- outbox` reads it from each
// service's database.
import type pg from "pg";
import { connectPostgres, databaseName } from "../data/database.js";

/** The unsent part of one outbox. */
export interface OutboxState {
  unsent: number;
  /** Age of the oldest unsent row in ms; 0 when none. */
  oldestUnsentAgeMs: number;
  /** The first unsent row (the one the others wait for): its type, failed attempts and last error. */
  head?: { type: string; attempts: number; lastError?: string };
}

/** The outbox state through an open connection. */
export async function readOutboxState(db: Pick<pg.Client, "query">): Promise<OutboxState> {
  const { rows } = await db.query<{ unsent: number; age: number; type: string | null; attempts: number | null; last_error: string | null }>(
    `SELECT count(*) OVER ()::int AS unsent,
            COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at) OVER ()), 0)::float8 * 1000 AS age,
            type, attempts, last_error
       FROM junction_events.outbox WHERE sent_at IS NULL ORDER BY position LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return { unsent: 0, oldestUnsentAgeMs: 0 };
  return { unsent: row.unsent, oldestUnsentAgeMs: Math.round(row.age), head: { type: row.type!, attempts: row.attempts ?? 0, lastError: row.last_error ?? undefined } };
}

/** The outbox state of the database at `url`; `missing` when the database or its event tables do not exist yet. */
export async function outboxStateAt(url: string): Promise<OutboxState | "missing"> {
  let client: pg.Client;
  try {
    client = await connectPostgres(url);
  } catch (error) {
    // 3D000: no such database (the service never started here).
    if ((error as { code?: string }).code === "3D000") return "missing";
    throw new Error(`${databaseName(url)}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return await readOutboxState(client);
  } catch (error) {
    // 42P01 / 3F000: the database exists but has no event tables.
    if (["42P01", "3F000"].includes((error as { code?: string }).code ?? "")) return "missing";
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
