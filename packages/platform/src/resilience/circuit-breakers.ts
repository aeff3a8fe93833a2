// One circuit breaker per upstream (cockatiel), with its state exported as a metric and
// readable by health endpoints. An open breaker fails calls fast with UNAVAILABLE.
import { Code } from "@connectrpc/connect";
import { CircuitState, SamplingBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from "cockatiel";
import { ConnectError } from "@connectrpc/connect";
import type { BreakerPolicy } from "../policy.js";
import { breakerState, breakerTransitions } from "../observability/metrics.js";

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

const breakers = new Map<string, { upstream: string; breaker: CircuitBreakerPolicy }>();
const SEVERITY: BreakerStateName[] = ["closed", "half-open", "open", "isolated"];

/**
 * The breaker of `upstream` at `endpoints`, created on first use with `policy`. Every client
 * of the same upstream and endpoints shares it, so one failing upstream trips it for all.
 */
export function circuitBreakerFor(upstream: string, endpoints: readonly string[], policy: BreakerPolicy): CircuitBreakerPolicy {
  const key = `${upstream} ${endpoints.join(",")}`;
  let breaker = breakers.get(key)?.breaker;
  if (!breaker) {
    breaker = circuitBreaker(handleWhen(isUpstreamFailure), {
      halfOpenAfter: policy.halfOpenAfter,
      breaker: new SamplingBreaker({ threshold: policy.failureRatio, duration: policy.window, minimumRps: policy.minimumRps }),
    });
    breaker.onStateChange((state) => {
      breakerState.set({ upstream }, state);
      breakerTransitions.inc({ upstream, state: STATE_NAMES[state] });
    });
    breakerState.set({ upstream }, CircuitState.Closed);
    breakers.set(key, { upstream, breaker });
  }
  return breaker;
}

/** The state of every upstream's breaker in this process (the worst, if it has several). */
export function circuitBreakerStates(): Record<string, BreakerStateName> {
  const states: Record<string, BreakerStateName> = {};
  for (const { upstream, breaker } of breakers.values()) {
    const state = STATE_NAMES[breaker.state];
    const known = states[upstream];
    if (!known || SEVERITY.indexOf(state) > SEVERITY.indexOf(known)) states[upstream] = state;
  }
  return states;
}

/** Forgets every breaker (tests that reuse upstream names in one process). */
export function resetCircuitBreakers(): void {
  breakers.clear();
}
