// A retry budget bounds how much retries can add to the load on an upstream: at most `ratio`
// of the calls in the last window, plus a floor per second so a quiet client can still retry.
// Without it, a struggling upstream gets every call multiplied by maxAttempts.
import type { RetryBudgetPolicy } from "../policy.js";

const WINDOW_MS = 10_000;

/** Counts calls and retries over a sliding 10-second window and decides if a retry may go. */
export class RetryBudget {
  private calls: number[] = [];
  private retries: number[] = [];

  constructor(
    private readonly policy: RetryBudgetPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one first attempt. */
  recordCall(): void {
    this.calls.push(this.now());
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryAcquireRetry(): boolean {
    const now = this.now();
    this.calls = this.calls.filter((t) => now - t < WINDOW_MS);
    this.retries = this.retries.filter((t) => now - t < WINDOW_MS);
    const allowed = this.calls.length * this.policy.ratio + (this.policy.minPerSecond * WINDOW_MS) / 1000;
    if (this.retries.length + 1 > allowed) return false;
    this.retries.push(now);
    return true;
  }
}
