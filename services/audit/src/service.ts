// The audit service: a tamper-evident, hash-chained log of every domain event. Serves
// AuditService to platform admins and records every stream the manifest gives it, one durable
// consumer each. It publishes nothing.
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import { bind, defineService, subscribe } from "@junction/platform";
import { recordEventsOf } from "./event-recorder.js";
import { PrismaClient, type Prisma } from "./generated/prisma/client.js";
import { auditServiceHandlers } from "./handlers/audit-service.js";

/** The audit service, as the runtime hosts it; its context is the audit database. */
export const auditService = defineService<PrismaClient, PrismaClient>({
  name: "audit",
  database: { client: PrismaClient, migrations: new URL("../prisma/migrations", import.meta.url) },
  domain: (host) => host.database,
  // Recording writes only through the transaction: safe to batch.
  consumesOther: (stream) => subscribe<PrismaClient, Prisma.TransactionClient>({ register: (consumer) => recordEventsOf(consumer, stream), batchSize: 32 }),
  rpcs: (prisma) => [bind(AuditService, auditServiceHandlers(prisma))],
});
