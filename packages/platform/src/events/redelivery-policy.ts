// When a failed delivery comes again, and when it is the last: read from the durable consumer on
// the server (whoever provisioned it), so every instance of a service follows the same schedule.
import type { ConsumerInfo } from "nats";
import { REDELIVERY_METADATA } from "./provisioning.js";

/** A consumer's redelivery schedule, applied by nak delays alone. */
export class RedeliveryPolicy {
  private constructor(
    /** Handler attempts before dead-lettering; -1 for unlimited. */
    readonly maxAttempts: number,
    /** Delay after the n-th failed attempt (index n-1); the last entry repeats. */
    readonly delaysMs: readonly number[],
    /** The lease of one delivery (NATS's ack wait). */
    readonly leaseMs: number,
  ) {}

  /** The policy of the consumer described by `info`; `fallbackDelaysMs` when its metadata has none. */
  static of(info: ConsumerInfo, fallbackDelaysMs: readonly number[]): RedeliveryPolicy {
    // The last of NATS's deliveries is the spare that only dead-letters (see provisioning).
    const serverMax = info.config.max_deliver ?? -1;
    const stored = info.config.metadata?.[REDELIVERY_METADATA];
    const delays = stored === undefined ? fallbackDelaysMs : stored.split(",").filter(Boolean).map(Number);
    return new RedeliveryPolicy(serverMax > 1 ? serverMax - 1 : serverMax, delays, (info.config.ack_wait ?? 30e9) / 1e6);
  }

  /** How long to wait before delivering again after attempt `deliveryCount` failed. */
  delayAfter(deliveryCount: number): number {
    return this.delaysMs[Math.min(deliveryCount, this.delaysMs.length) - 1] ?? 0;
  }

  /** Whether attempt `deliveryCount` is the last the handler gets. */
  isLastAttempt(deliveryCount: number): boolean {
    return this.maxAttempts > 0 && deliveryCount >= this.maxAttempts;
  }

  /** Whether `deliveryCount` is the spare delivery after the last attempt, which only dead-letters. */
  isSpare(deliveryCount: number): boolean {
    return this.maxAttempts > 0 && deliveryCount > this.maxAttempts;
  }

  /** How often to renew the lease of a delivery being handled or held: well inside it. */
  get leaseRefreshMs(): number {
    return Math.max(20, Math.floor(this.leaseMs / 3));
  }
}
