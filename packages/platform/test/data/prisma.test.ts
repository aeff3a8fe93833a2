import { fileURLToPath } from "node:url";
import test from "ava";
import { openDatabase } from "../../src/data/prisma.js";
import { PrismaClient } from "../fixtures/prisma/generated/client.js";
import { freshDatabaseUrl, query } from "./postgres.js";

const migrationsDir = fileURLToPath(new URL("../fixtures/prisma/migrations", import.meta.url));

test("openDatabase creates, migrates and connects; the client round-trips rows through the pg adapter", async (t) => {
  const url = freshDatabaseUrl(t);
  const prisma = await openDatabase({ service: "widgets", url, migrationsDir, PrismaClient });
  t.teardown(() => prisma.$disconnect());

  const created = await prisma.widget.create({ data: { name: "sprocket", quantity: 3 } });
  t.regex(created.id, /^[0-9a-f-]{36}$/);
  t.true(created.createdAt instanceof Date);

  const found = await prisma.widget.findUniqueOrThrow({ where: { name: "sprocket" } });
  t.deepEqual(found, created);
  await prisma.widget.update({ where: { id: created.id }, data: { quantity: { increment: 2 } } });

  // The row really is in Postgres, written where the migration put the table.
  t.deepEqual(await query(url, "SELECT name, quantity FROM widgets"), [{ name: "sprocket", quantity: 5 }]);
  t.deepEqual(await query(url, "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL"), [
    { migration_name: "20260101000000_init" },
  ]);
  await t.throwsAsync(prisma.widget.create({ data: { name: "sprocket" } }), { message: /Unique constraint/ });
});

test("opening an already migrated database applies nothing and still connects", async (t) => {
  const url = freshDatabaseUrl(t);
  const first = await openDatabase({ service: "widgets", url, migrationsDir, PrismaClient });
  await first.$disconnect();

  const second = await openDatabase({ service: "widgets", url, migrationsDir, PrismaClient });
  t.teardown(() => second.$disconnect());
  t.is(await second.widget.count(), 0);
  t.deepEqual(await query(url, "SELECT count(*)::int AS n FROM _prisma_migrations"), [{ n: 1 }]);
});
