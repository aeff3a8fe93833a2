// One circuit breaker per upstream (cockatiel), with its state exported as a metric and
// readable by health endpoints. An open breaker fails calls fast with UNAVAILABLE.
import { Code } from "@connectrpc/connect";
import { CircuitState, SamplingBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from "cockatiel";
import { ConnectError } from "@connectrpc/connect";
import type { BreakerPolicy } from "../policy.js";
import { breakerState } from "../observability/metrics.js";

/** Breaker states as reported by health endpoints. */
export type BreakerStateName = "closed" | "open" | "half-open" | "isolated";

const STATE_NAMES: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "isolated",
};

/** Codes that say the upstream itself is failing (as opposed to rejecting a bad request). */
const UPSTREAM_FAILURES = new Set([Code.Unavailable, Code.Internal, Code.Unknown, Code.DeadlineExceeded]);

/** True for errors that count against an upstream's health. */
export function isUpstreamFailure(error: unknown): boolean {
  return error instanceof ConnectError && UPSTREAM_FAILURES.has(error.code);
}

const breakers = new Map<string, CircuitBreakerPolicy>();

/** The breaker of `upstream`, created on first use with `policy`. */
export function circuitBreakerFor(upstream: string, policy: BreakerPolicy): CircuitBreakerPolicy {
  let breaker = breakers.get(upstream);
  if (!breaker) {
    breaker = circuitBreaker(handleWhen(isUpstreamFailure), {
      halfOpenAfter: policy.halfOpenAfter,
      breaker: new SamplingBreaker({ threshold: policy.failureRatio, duration: policy.window, minimumRps: policy.minimumRps }),
    });
    breaker.onStateChange((state) => breakerState.set({ upstream }, state));
    breakerState.set({ upstream }, CircuitState.Closed);
    breakers.set(upstream, breaker);
  }
  return breaker;
}

/** The state of every breaker created in this process, by upstream. */
export function circuitBreakerStates(): Record<string, BreakerStateName> {
  return Object.fromEntries([...breakers].map(([upstream, breaker]) => [upstream, STATE_NAMES[breaker.state]]));
}

/** Forgets every breaker (tests that reuse upstream names in one process). */
export function resetCircuitBreakers(): void {
  breakers.clear();
}
