// How one method's retry rules from the policy file become an Envoy route retry_policy. The
// rules are the client interceptors' rules: a method is retried on the policy's gRPC codes only
// when it is idempotent (NO_SIDE_EFFECTS or IDEMPOTENT); any method is retried when Envoy knows
// the request never reached a server. Envoy is the only retrier when it runs (clients run with
// JUNCTION_CLIENT_RETRIES=false), so these attempts are all the attempts there are.
import { formatSeconds, type MethodPolicy, type RetryPolicy } from "@junction/platform";
import { Code } from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import { namedExtension, withoutUndefined, type EnvoyJson } from "./envoy-values.js";
import { EnvoyRenderError } from "./render-error.js";

type RetryableCode = RetryPolicy["retryOn"][number];

// Envoy's gRPC retry conditions (x-envoy-retry-grpc-on names). ABORTED and UNKNOWN have none:
// a policy retrying on them cannot be enforced by Envoy, and rendering refuses it.
const GRPC_RETRY_ON: Record<RetryableCode, string | undefined> = {
  unavailable: "unavailable",
  resource_exhausted: "resource-exhausted",
  deadline_exceeded: "deadline-exceeded",
  internal: "internal",
  aborted: undefined,
  unknown: undefined,
};

/**
 * Failures where the request provably never reached the upstream: no connection, the stream
 * refused by HTTP/2 (REFUSED_STREAM), or a reset before any request byte was sent. Replaying
 * these cannot duplicate a side effect, so every method may retry them. Plain `reset` is not
 * among them: a reset after the request was sent may follow a completed side effect.
 */
export const NEVER_DELIVERED_RETRY_ON = ["connect-failure", "refused-stream", "reset-before-request"] as const;

// For idempotent methods a repeat is harmless, so any reset qualifies.
const IDEMPOTENT_TRANSPORT_RETRY_ON = ["reset", "connect-failure", "refused-stream"] as const;

// Connect calls pass Envoy untouched, and a service answers them with the code's HTTP status
// (UNAVAILABLE is a 503), not with grpc-status; these are the statuses of the codes retried.
const CONNECT_STATUS: Record<RetryableCode, number> = {
  unavailable: codeToHttpStatus(Code.Unavailable),
  resource_exhausted: codeToHttpStatus(Code.ResourceExhausted),
  deadline_exceeded: codeToHttpStatus(Code.DeadlineExceeded),
  internal: codeToHttpStatus(Code.Internal),
  aborted: codeToHttpStatus(Code.Aborted),
  unknown: codeToHttpStatus(Code.Unknown),
};

/** Envoy `retry_on` conditions for a method; `where` names it in errors. */
export function envoyRetryOn(rules: MethodPolicy, where: string): string[] {
  if (!rules.idempotent) return [...NEVER_DELIVERED_RETRY_ON];
  const codes = rules.retry.retryOn.map((code) => {
    const condition = GRPC_RETRY_ON[code];
    if (condition === undefined) {
      throw new EnvoyRenderError(`${where}: the policy retries on ${code.toUpperCase()}, which Envoy cannot retry on; remove it from retryOn`);
    }
    return condition;
  });
  return [...new Set([...codes, "retriable-status-codes", ...IDEMPOTENT_TRANSPORT_RETRY_ON])];
}

/** The route retry_policy for a method, or undefined when the policy allows a single attempt. */
export function renderRetryPolicy(rules: MethodPolicy, where: string): EnvoyJson | undefined {
  const retries = rules.retry.maxAttempts - 1;
  if (retries < 1) return undefined;
  return withoutUndefined({
    retry_on: envoyRetryOn(rules, where).join(","),
    num_retries: retries,
    retriable_status_codes: rules.idempotent ? [...new Set(rules.retry.retryOn.map((code) => CONNECT_STATUS[code]))] : undefined,
    // Envoy's back-off is jittered exponential, like the clients': base doubles up to the cap.
    retry_back_off: { base_interval: formatSeconds(rules.retry.initialBackoff), max_interval: formatSeconds(rules.retry.maxBackoff) },
    // A retry goes to another endpoint when there is one.
    retry_host_predicate: [
      namedExtension("envoy.retry_host_predicates.previous_hosts", "envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"),
    ],
    host_selection_retry_max_attempts: 3,
  });
}
