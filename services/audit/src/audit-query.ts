// QueryAuditLog: entries matching every given filter, oldest first, a page at a time.
import type { AuditEntry, Prisma, PrismaClient } from "./generated/prisma/client.js";
import type { AuditQuery } from "./validation.js";

/** One page of entries and, when more match, the sequence the next page starts after. */
export async function queryEntries(prisma: PrismaClient, query: AuditQuery): Promise<{ entries: AuditEntry[]; nextAfter?: bigint }> {
  const where: Prisma.AuditEntryWhereInput = {
    sequence: { gt: query.after },
    ...(query.actorId && { actorId: query.actorId }),
    ...(query.orgId && { orgId: query.orgId }),
    ...(query.type && { type: query.type }),
    ...((query.startTime || query.endTime) && { eventTime: { ...(query.startTime && { gte: query.startTime }), ...(query.endTime && { lt: query.endTime }) } }),
  };
  const rows = await prisma.auditEntry.findMany({ where, orderBy: { sequence: "asc" }, take: query.pageSize + 1 });
  const entries = rows.slice(0, query.pageSize);
  return { entries, nextAfter: rows.length > query.pageSize ? entries.at(-1)?.sequence : undefined };
}
