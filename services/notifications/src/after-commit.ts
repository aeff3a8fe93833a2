// Work that must wait until an event handler's transaction has committed: pushing a new
// notification to live streams. Pushed earlier, a watcher could see a notification that a
// rollback then takes back. The consumer runs handlers through `runner`, which runs the
// hooks once the transaction commits.
import type { TransactionRunner } from "@junction/platform/events/index";

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
        // Committed: a failing hook must not make the event look unhandled.
        for (const hook of hooks) {
          try {
            await hook();
          } catch {
            // hooks report their own failures
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
