// The platform owns the outbox and inbox tables: they live in their own Postgres schema of
// each service database, with their own migration history, so no service copies their DDL
// and Prisma never sees them in the service's schema (see docs/events.md).
import { fileURLToPath } from "node:url";
import { applyMigrations, type MigrationLog } from "../data/migrations.js";

/** The Postgres schema holding the event tables. */
export const EVENTS_SCHEMA = "junction_events";
/** The channel the outbox notifies on commit of new rows. */
export const OUTBOX_CHANNEL = "junction_events_outbox";

const migrationsDir = fileURLToPath(new URL("../../migrations/events", import.meta.url));

/**
 * Creates or upgrades the event tables (outbox, inbox) in the database at `url`; call it at
 * start next to `openDatabase`. Returns the migrations it applied.
 */
export function migrateEventTables(url: string, log?: MigrationLog): Promise<string[]> {
  return applyMigrations(url, migrationsDir, log, { schema: EVENTS_SCHEMA });
}
