// Appending to the audit log. Appends are serialised by a transaction-scoped advisory lock, so
// sequences have no gaps and every entry links to the one before it, however many consumers
// and service instances append at once.
import type { Json } from "./canonical-json.js";
import type { Prisma } from "./generated/prisma/client.js";
import { entryHash, GENESIS_HASH } from "./hash-chain.js";

// Any fixed number works; this one spells "audt" so it is recognisable in pg_locks.
const APPEND_LOCK = 0x61756474;

/** An event to record, as received. */
export interface AuditRecord {
  readonly eventId: string;
  readonly type: string;
  readonly source: string;
  readonly subject: string;
  readonly actorId: string;
  readonly orgId: string;
  readonly eventTime: Date;
  readonly payload: Json;
}

/**
 * Appends `record` through `tx` (the consumer's transaction) and returns its sequence; an event
 * already in the log is not appended again and its existing sequence is returned.
 */
export async function appendEntry(tx: Prisma.TransactionClient, record: AuditRecord): Promise<bigint> {
  // Held until the transaction ends: the next append sees this one committed.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${APPEND_LOCK})`;
  const existing = await tx.auditEntry.findUnique({ where: { eventId: record.eventId }, select: { sequence: true } });
  if (existing) return existing.sequence;
  const last = await tx.auditEntry.findFirst({ orderBy: { sequence: "desc" }, select: { sequence: true, hash: true } });
  const sequence = (last?.sequence ?? 0n) + 1n;
  const previousHash = last?.hash ?? GENESIS_HASH;
  const hash = entryHash({ ...record, sequence, previousHash });
  await tx.auditEntry.create({ data: { ...record, sequence, previousHash, hash, payload: record.payload as Prisma.InputJsonValue } });
  return sequence;
}
