// Work that must wait until an event handler's transaction has committed: dropping a cached
// row (dropped earlier, a concurrent read could cache the old row again before the commit) or
// pushing to live streams (pushed earlier, a watcher could see what a rollback takes back).
// The consumer runs handlers through `runner`, which runs the hooks once the commit is done.
import type { TransactionRunner } from "./event-consumer.js";

type Hook = () => Promise<unknown> | unknown;

/** Collects hooks per transaction and runs them after it commits. */
export class AfterCommit<Tx extends object> {
  private readonly hooks = new WeakMap<Tx, Hook[]>();

  constructor(private readonly prisma: TransactionRunner<Tx>) {}

  /** A transaction runner (for EventConsumer) that runs each transaction's hooks after its commit. */
  get runner(): TransactionRunner<Tx> {
    return {
      $transaction: async (fn, options) => {
        const hooks: Hook[] = [];
        const result = await this.prisma.$transaction((tx) => {
          this.hooks.set(tx, hooks);
          return fn(tx);
        }, options);
        // Committed: a failing hook must not make the event look unhandled; hooks report their own failures.
        for (const hook of hooks) {
          try {
            await hook();
          } catch {
            // see above
          }
        }
        return result;
      },
    };
  }

  /** Runs `hook` after `tx` commits (never, if it rolls back). */
  add(tx: Tx, hook: Hook): void {
    const hooks = this.hooks.get(tx);
    if (!hooks) throw new Error("afterCommit: not inside a transaction of this runner");
    hooks.push(hook);
  }
}
