// A consumer whose own dependencies (its database, Redis, a service it calls) do not answer
// pauses: it stops taking deliveries, holds the ones in hand, reports not ready, and tries again
// with growing waits until they answer. An outage is not the events' fault, so it spends none of
// their attempts and dead-letters nothing.
import type { Logger } from "../logger.js";
import type { ReadinessCheck } from "../readiness.js";
import { describeError } from "../failure-kind.js";
import { consumerPaused } from "./metrics.js";
import { Pause, retryDelay } from "./pause.js";

/** Waits between tries while paused: from `firstMs` doubling up to `longestMs`. */
export interface PauseTiming {
  firstMs: number;
  longestMs: number;
}

/** The pause state of one consumer, with its readiness check. */
export class ConsumerPause {
  private since?: Date;
  private cause = "";
  private tries = 0;
  private readonly wait = new Pause();

  constructor(
    private readonly labels: { consumer: string; stream: string },
    private readonly logger: Logger,
    private readonly timing: PauseTiming = { firstMs: 250, longestMs: 5_000 },
  ) {}

  /** Whether the consumer is paused. */
  get paused(): boolean {
    return this.since !== undefined;
  }

  /** Pauses (or stays paused) because of infrastructure failure `error`. */
  enter(error: unknown): void {
    this.cause = describeError(error);
    this.tries++;
    if (!this.since) {
      this.since = new Date();
      consumerPaused.set(this.labels, 1);
    }
    // Once at first, then at every doubling: an outage of hours does not flood the log.
    if ((this.tries & (this.tries - 1)) === 0) this.logger.warn({ err: this.cause, tries: this.tries, since: this.since }, "consumer paused: a dependency does not answer");
  }

  /** Waits before the next try; stop() or interrupt() cut it short. */
  async beforeRetry(): Promise<void> {
    await this.wait.for(retryDelay(this.tries, this.timing.firstMs, this.timing.longestMs));
  }

  /** Ends the pause: the dependencies answered. */
  leave(): void {
    if (!this.since) return;
    this.logger.info({ pausedMs: Date.now() - this.since.getTime(), tries: this.tries }, "consumer resumed");
    this.since = undefined;
    this.tries = 0;
    consumerPaused.set(this.labels, 0);
  }

  /** Cuts the current wait short (the consumer is stopping). */
  interrupt(): void {
    this.wait.interrupt();
  }

  /**
   * A readiness check failing while the consumer is paused, for the service's /readyz. Not
   * required: a pause waits out a dependency (its database, a service it calls) that the RPCs
   * report on their own, and taking the service's RPCs out of routing for it would spread the outage.
   */
  readiness(): ReadinessCheck {
    return {
      name: `events ${this.labels.stream}/${this.labels.consumer}`,
      required: false,
      check: async () => {
        if (this.since) throw new Error(`paused since ${this.since.toISOString()}: ${this.cause}`);
      },
    };
  }
}
