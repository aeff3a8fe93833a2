// The communication policy both programs under test run with (schema: packages/platform/src/policy.ts).
// The server takes maxTimeout from it; the client calls the reference servers as the upstream
// "conformance", the name the package connectrpc.conformance.v1 maps to.
import { CommunicationPolicy } from "@junction/platform";

/** The conformance policy, validated like policy.yaml. */
export function conformancePolicy(): CommunicationPolicy {
  return CommunicationPolicy.fromObject(
    {
      defaults: {
        // The deadline of a call whose test case sets none; longer than any case's delays.
        timeout: "10s",
        // As in policy.yaml: the longest deadline a Junction server accepts.
        maxTimeout: "30s",
        // The client runs with retries off (the suite counts every attempt), so these never apply.
        retry: { maxAttempts: 3, initialBackoff: "25ms", maxBackoff: "250ms", retryOn: ["unavailable"] },
        retryBudget: { ratio: 0.2, minPerSecond: 10 },
        // The breaker stays in the call path, but the suite provokes UNAVAILABLE, INTERNAL,
        // UNKNOWN and DEADLINE_EXCEEDED on purpose, dozens a second: with these thresholds it
        // never opens, so no case sees CIRCUIT_OPEN instead of the error it asked for.
        breaker: { failureRatio: 0.99, minimumRps: 100_000, window: "10s", halfOpenAfter: "5s", consecutiveFailures: 5 },
      },
      // The port is unused: every test case names the reference server's address.
      upstreams: { conformance: { port: 1 } },
    },
    "conformance/policy.ts",
  );
}
