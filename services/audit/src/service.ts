// The audit service: a tamper-evident, hash-chained log of every domain event. Serves
// AuditService to platform admins and records every stream the manifest gives it, one durable
// consumer each. It publishes nothing.
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import type { DescMessage } from "@bufbuild/protobuf";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { bind, defineService, subscribe } from "@junction/platform";
import { roleConfirmation, type RoleConfirmation } from "@junction/roles";
import { recordEventsOf } from "./event-recorder.js";
import { PrismaClient, type Prisma } from "./generated/prisma/client.js";
import { auditServiceHandlers } from "./handlers/audit-service.js";

/** What audit works with: its database, auth's confirmation of admins, and every event type of the contracts. */
interface AuditContext {
  readonly prisma: PrismaClient;
  readonly roles: RoleConfirmation;
  readonly eventSchemas: ReadonlyMap<string, DescMessage>;
}

/** The audit service, as the runtime hosts it. */
export const auditService = defineService<AuditContext, PrismaClient>({
  name: "audit",
  database: { client: PrismaClient, migrations: new URL("../prisma/migrations", import.meta.url) },
  domain: (host) => ({ prisma: host.database, roles: roleConfirmation(host, host.client(InternalAuthService)), eventSchemas: host.contracts.eventSchemas() }),
  // Recording writes only through the transaction: safe to batch.
  consumesOther: (stream) => subscribe<AuditContext, Prisma.TransactionClient>({ register: (consumer, ctx) => recordEventsOf(consumer, stream, ctx.eventSchemas), batchSize: 32 }),
  rpcs: (ctx) => [bind(AuditService, auditServiceHandlers(ctx.prisma, ctx.roles))],
});
