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

  /** Records the event in `tx`; false when it was recorded before (the event was handled). */
  async claim(tx: SqlTransaction, envelope: EventEnvelope): Promise<boolean> {
    const inserted = await tx.$executeRaw`
      INSERT INTO junction_events.inbox (consumer, event_id, type) VALUES (${this.consumer}, ${envelope.id}, ${envelope.type})
      ON CONFLICT DO NOTHING`;
    return inserted > 0;
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
