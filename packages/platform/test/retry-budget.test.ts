// The retry budget caps retries at a share of recent calls plus a per-second floor.
import test from "ava";
import { RetryBudget } from "../src/resilience/retry-budget.js";
import { backoffDelayMs } from "../src/resilience/resilient-transport.js";

test("retries are allowed up to ratio × calls + floor over the window, then refused", (t) => {
  let now = 0;
  const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0.1 }, () => now); // floor: 1 per 10s window
  for (let i = 0; i < 20; i++) budget.recordCall();
  const granted = Array.from({ length: 10 }, () => budget.tryAcquireRetry()).filter(Boolean).length;
  t.is(granted, 5); // 20 × 0.2 + 1
  now += 11_000; // the window slides past every call and retry
  t.true(budget.tryAcquireRetry());
  t.false(budget.tryAcquireRetry());
});

test("a million healthy calls leave the budget's memory where it was", (t) => {
  let now = 0;
  const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 10 }, () => now);
  const footprint = () => JSON.stringify(budget).length;
  budget.recordCall();
  const before = footprint();
  for (let i = 0; i < 1_000_000; i++) {
    now += 0.05; // 20,000 calls a second for 50 seconds: the window slides five times over
    budget.recordCall();
  }
  // Only the counts' digits may grow; nothing is kept per call.
  t.true(footprint() <= before + 60, `${before} → ${footprint()}`);
  // And the budget still reflects the last window: 10 s × 20,000 calls × 0.2 + floor.
  let granted = 0;
  while (budget.tryAcquireRetry() && granted < 100_000) granted++;
  t.true(granted >= 36_000 && granted <= 40_100, `granted ${granted}`);
});

test("backoff is jittered below an exponentially growing, capped ceiling", (t) => {
  const retry = { maxAttempts: 5, initialBackoff: 10, maxBackoff: 50, retryOn: ["unavailable" as const] };
  t.is(backoffDelayMs(1, retry, () => 1), 10);
  t.is(backoffDelayMs(2, retry, () => 1), 20);
  t.is(backoffDelayMs(3, retry, () => 1), 40);
  t.is(backoffDelayMs(4, retry, () => 1), 50);
  t.is(backoffDelayMs(4, retry, () => 0.5), 25);
});
