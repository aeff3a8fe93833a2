// Prisma 7 clients without a query engine: each service's generated client (`prisma-client`
// generator) talks to Postgres through node-postgres via the @prisma/adapter-pg driver adapter.
import { PrismaPg } from "@prisma/adapter-pg";
import { databaseUrl, ensureDatabase } from "./database.js";
import { applyMigrations, type MigrationLog } from "./migrations.js";

/** The `PrismaClient` class a service generated from its schema; it takes a driver adapter. */
export type PrismaClientClass<Client> = new (options: { adapter: PrismaPg; errorFormat?: "minimal" | "colorless" | "pretty" }) => Client;

/** A client of the generated `PrismaClient` class connected to `url` through the pg adapter. */
export function createPrismaClient<Client>(PrismaClient: PrismaClientClass<Client>, url: string): Client {
  // Minimal errors: the other formats capture a stack trace on every query, for a code frame in
  // the message (2% of an event pipeline's CPU, docs/performance.md); failures are logged with
  // their code and cause anyway.
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }), errorFormat: "minimal" });
}

/** What `openDatabase` needs to know about a service's data. */
export interface DatabaseOptions<Client> {
  /** The service name; its database is `databaseUrl(service)` unless `url` is given. */
  service: string;
  /** The service's `prisma/migrations` directory. */
  migrationsDir: string;
  /** The service's generated `PrismaClient` class. */
  PrismaClient: PrismaClientClass<Client>;
  /** Overrides the database URL derived from the service name. */
  url?: string;
  log?: MigrationLog;
}

/**
 * A service's database ready for use: created if missing, pending migrations applied, and a
 * Prisma client connected to it. Call `$disconnect()` on the client at shutdown.
 */
export async function openDatabase<Client>(options: DatabaseOptions<Client>): Promise<Client> {
  const url = options.url ?? databaseUrl(options.service);
  await ensureDatabase(url);
  await applyMigrations(url, options.migrationsDir, options.log);
  return createPrismaClient(options.PrismaClient, url);
}
