// A retry budget bounds how much retries can add to the load on an upstream: at most `ratio`
// of the calls in the last window, plus a floor per second so a quiet client can still retry.
// Without it, a struggling upstream gets every call multiplied by maxAttempts. Calls and retries
// are counted in one-second buckets, so memory stays the same however many calls go through.
import type { RetryBudgetPolicy } from "../policy.js";

const WINDOW_SECONDS = 10;

/** Counts calls and retries over a sliding 10-second window and decides if a retry may go. */
export class RetryBudget {
  // Bucket i holds the counts of the second `seconds[i]`; a bucket from an older second is stale.
  private readonly seconds = new Array<number>(WINDOW_SECONDS).fill(-1);
  private readonly calls = new Array<number>(WINDOW_SECONDS).fill(0);
  private readonly retries = new Array<number>(WINDOW_SECONDS).fill(0);

  constructor(
    private readonly policy: RetryBudgetPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one first attempt. */
  recordCall(): void {
    this.calls[this.bucket()]!++;
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryAcquireRetry(): boolean {
    const current = this.bucket();
    const second = this.seconds[current]!;
    let calls = 0;
    let retries = 0;
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      if (second - this.seconds[i]! >= WINDOW_SECONDS) continue;
      calls += this.calls[i]!;
      retries += this.retries[i]!;
    }
    const allowed = calls * this.policy.ratio + this.policy.minPerSecond * WINDOW_SECONDS;
    if (retries + 1 > allowed) return false;
    this.retries[current]!++;
    return true;
  }

  /** The bucket of the current second, emptied first if it still holds an older second. */
  private bucket(): number {
    const second = Math.floor(this.now() / 1000);
    const index = second % WINDOW_SECONDS;
    if (this.seconds[index] !== second) {
      this.seconds[index] = second;
      this.calls[index] = 0;
      this.retries[index] = 0;
    }
    return index;
  }
}
