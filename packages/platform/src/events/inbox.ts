// The inbox: one row per (consumer, event id), written in the same transaction as the handler's
// effects. A redelivered or replayed event finds its row and is acknowledged without a second
// effect; rows outlive every possible redelivery, then are pruned.
import type { Logger } from "../logger.js";
import type { EventEnvelope } from "./envelope.js";
import { describeError } from "../failure-kind.js";
import type { SqlTransaction } from "./outbox.js";

/** What a consumer needs of the service's Prisma client: interactive transactions. */
export interface TransactionRunner<Tx> {
  $transaction<R>(fn: (tx: Tx) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
}

/** One consumer's rows in `junction_events.inbox`. */
export class Inbox {
  constructor(readonly consumer: string) {}

  /**
   * Records the events of one transaction in `tx`, in one statement, and returns the ids recorded
   * now; an id missing from it was recorded before (the event was handled).
   */
  async claim(tx: SqlTransaction, envelopes: ReadonlyArray<Pick<EventEnvelope, "id" | "type">>): Promise<Set<string>> {
    const rows = await tx.$queryRaw<Array<{ event_id: string }>>`
      INSERT INTO junction_events.inbox (consumer, event_id, type)
      SELECT ${this.consumer}, e.id, e.type FROM unnest(${envelopes.map((e) => e.id)}::text[], ${envelopes.map((e) => e.type)}::text[]) AS e (id, type)
      ON CONFLICT DO NOTHING
      RETURNING event_id`;
    return new Set(rows.map((row) => row.event_id));
  }

  /** Deletes this consumer's rows older than `retentionMs`; a failure is logged and left for next time. */
  async prune(prisma: TransactionRunner<SqlTransaction>, retentionMs: number, logger: Logger): Promise<void> {
    await prisma
      .$transaction(
        async (tx) => tx.$executeRaw`
          DELETE FROM junction_events.inbox WHERE consumer = ${this.consumer} AND received_at < now() - make_interval(secs => ${retentionMs / 1000})`,
      )
      .catch((error: unknown) => logger.warn({ err: describeError(error) }, "cannot prune the inbox; will try again later"));
  }
}
