import test from "ava";
import { ensureDatabase } from "../../src/data/database.js";
import { migrateEventTables } from "../../src/events/event-tables.js";
import { freshDatabaseUrl, query } from "../data/postgres.js";

test("the event tables live in their own schema with their own migration history, applied once", async (t) => {
  const url = freshDatabaseUrl(t);
  await ensureDatabase(url);
  const applied = await migrateEventTables(url);
  t.deepEqual(applied, ["20260401000000_outbox_inbox"]);
  t.deepEqual(await migrateEventTables(url), [], "idempotent");
  t.deepEqual(await Promise.all([migrateEventTables(url), migrateEventTables(url)]), [[], []]);

  const tables = await query(url, "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('public', 'junction_events') ORDER BY 1, 2");
  t.deepEqual(tables, [
    { table_schema: "junction_events", table_name: "_prisma_migrations" },
    { table_schema: "junction_events", table_name: "inbox" },
    { table_schema: "junction_events", table_name: "outbox" },
  ]);
  t.deepEqual(await query(url, "SELECT migration_name FROM junction_events._prisma_migrations"), [{ migration_name: "20260401000000_outbox_inbox" }]);
});
