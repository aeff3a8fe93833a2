// VerifyAuditChain: re-reads entries in sequence order, a batch at a time, and recomputes
// every hash and link until the first one that does not hold.
import type { Json } from "./canonical-json.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import { checkLink, GENESIS_HASH, type BrokenLink } from "./hash-chain.js";

const BATCH = 1000;

/** The outcome of a verification. */
export interface ChainReport {
  readonly entriesChecked: bigint;
  readonly broken?: BrokenLink;
}

/**
 * Verifies entries `start`..`end` (inclusive; 0 for the first / last entry). A range reaching
 * past the last entry ends there: entries not written yet are not missing. The range's first
 * link is checked against the stored hash of the entry before it, which a whole-chain check
 * (start 0) verifies as well.
 */
export async function verifyChain(prisma: PrismaClient, range: { start: bigint; end: bigint }): Promise<ChainReport> {
  const start = range.start > 0n ? range.start : 1n;
  const last = (await prisma.auditEntry.findFirst({ orderBy: { sequence: "desc" }, select: { sequence: true } }))?.sequence ?? 0n;
  const end = range.end > 0n && range.end < last ? range.end : last;
  if (end < start) return { entriesChecked: 0n };

  let previous: { sequence: bigint; hash: string };
  if (start === 1n) previous = { sequence: 0n, hash: GENESIS_HASH };
  else {
    const before = await prisma.auditEntry.findUnique({ where: { sequence: start - 1n }, select: { sequence: true, hash: true } });
    if (!before) return { entriesChecked: 0n, broken: { sequence: start - 1n, reason: `entry ${start - 1n} is missing` } };
    previous = before;
  }

  let checked = 0n;
  while (previous.sequence < end) {
    const batch = await prisma.auditEntry.findMany({
      where: { sequence: { gt: previous.sequence, lte: end } },
      orderBy: { sequence: "asc" },
      take: BATCH,
    });
    if (batch.length === 0) {
      return { entriesChecked: checked, broken: { sequence: previous.sequence + 1n, reason: `entry ${previous.sequence + 1n} is missing` } };
    }
    for (const row of batch) {
      checked++;
      const broken = checkLink({ ...row, payload: row.payload as Json }, previous);
      if (broken) return { entriesChecked: checked, broken };
      previous = row;
    }
  }
  return { entriesChecked: checked };
}
