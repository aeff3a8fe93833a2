// A communication policy for tests: short timeouts and breaker windows so faults show quickly.
import { CommunicationPolicy } from "../../src/policy.js";

/** The repository's policy.yaml shape with test-sized numbers; `ports` maps upstream → port. */
export function testPolicy(ports: Record<string, number>, overrides: { breaker?: object; retry?: object } = {}): CommunicationPolicy {
  return CommunicationPolicy.fromObject({
    defaults: {
      timeout: "2s",
      maxTimeout: "30s",
      retry: { maxAttempts: 3, initialBackoff: "5ms", maxBackoff: "20ms", retryOn: ["unavailable"], ...overrides.retry },
      retryBudget: { ratio: 0.5, minPerSecond: 20 },
      breaker: { failureRatio: 0.5, minimumRps: 5, window: "2s", halfOpenAfter: "300ms", consecutiveFailures: 5, ...overrides.breaker },
    },
    upstreams: Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, { port }])),
  });
}
