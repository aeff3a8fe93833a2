// Interruptible waits for the relay's and consumers' loops: a wake-up that arrives while the
// loop is busy is remembered, so work signalled mid-batch is never left for the next poll.

/** A sleep that `interrupt()` cuts short. */
export class Pause {
  private current?: () => void;
  private pending = false;

  /** Waits `ms`, or until interrupted; returns at once if interrupted while not waiting. */
  for(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.current === done) this.current = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.current = done;
    });
  }

  /** Ends the current wait, or the next one if none is running. */
  interrupt(): void {
    if (this.current) this.current();
    else this.pending = true;
  }
}

/** Exponential backoff with jitter: attempt n waits between half and all of min(maxMs, baseMs·2^(n-1)). */
export function retryDelay(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
