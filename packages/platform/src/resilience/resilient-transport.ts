// The client half of the communication rules, as a Transport wrapper: every call gets a
// deadline (the method's policy timeout, cut to the caller's remaining budget), is balanced
// round-robin over the upstream's endpoints, goes through the upstream's circuit breaker, and
// is retried only when that is safe — idempotent methods on retryable codes, or any method
// whose request never reached a server — with jittered exponential backoff within a budget.
import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type Transport } from "@connectrpc/connect";
import { BrokenCircuitError } from "cockatiel";
import { currentCallContext, remainingBudgetMs } from "../call-context.js";
import type { HeadersInit } from "../header-fields.js";
import { unavailable } from "../errors.js";
import { rpcClientDuration, rpcClientRetries, rpcClientRetriesRefused } from "../observability/metrics.js";
import type { CommunicationPolicy, MethodPolicy, RetryPolicy } from "../policy.js";
import { circuitBreakerFor } from "./circuit-breakers.js";
import { RetryBudget } from "./retry-budget.js";
import { asUpstreamError } from "./upstream-failure.js";
import { NEVER_ABORTED } from "../unary-call.js";

/** How a resilient transport reaches one upstream. */
export interface ResilientTransportOptions {
  /** The upstream's name in the policy, e.g. "auth". */
  upstream: string;
  /** One transport per endpoint of the upstream; calls rotate over them. */
  endpoints: Transport[];
  /** The endpoints' URLs: clients of the same upstream and URLs share one circuit breaker. */
  endpointUrls: readonly string[];
  policy: CommunicationPolicy;
  /** False when a proxy (Envoy) retries instead: then this client never retries. */
  retries: boolean;
}

const CONNECT_ERRORS = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ERR_HTTP2_GOAWAY_SESSION"]);
const RETRY_CODES: Record<RetryPolicy["retryOn"][number], Code> = {
  unavailable: Code.Unavailable,
  resource_exhausted: Code.ResourceExhausted,
  aborted: Code.Aborted,
  deadline_exceeded: Code.DeadlineExceeded,
  internal: Code.Internal,
  unknown: Code.Unknown,
};

/** True when the error proves the request never reached a server (e.g. connection refused). */
export function failedBeforeReachingServer(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && CONNECT_ERRORS.has(code)) return true;
    if (/REFUSED_STREAM/.test(e.message)) return true;
  }
  return false;
}

/**
 * An upstream enforcing the deadline we sent may reset the call (HTTP/2 CANCEL) a moment before
 * our own timer fires, which connect reports as CANCELED. Past the deadline, and not cancelled
 * by the caller, that is DEADLINE_EXCEEDED: what the breaker, fallbacks and the caller must see.
 */
export function expiredAsDeadlineExceeded(error: unknown, deadline: number, callerSignal: AbortSignal, now = Date.now()): unknown {
  if (!(error instanceof ConnectError) || error.code !== Code.Canceled || callerSignal.aborted || now < deadline) return error;
  return new ConnectError(error.rawMessage, Code.DeadlineExceeded, error.metadata, undefined, error);
}

/**
 * A stream's response messages as its caller sees them: nothing more once the call is
 * cancelled (not even messages that arrived just before), and errors passed through `map`.
 */
async function* deliveredMessages<T>(messages: AsyncIterable<T>, signal: AbortSignal, map: (error: unknown) => unknown): AsyncIterable<T> {
  try {
    for await (const message of messages) {
      if (signal.aborted) throw ConnectError.from(signal.reason, Code.Canceled);
      yield message;
    }
  } catch (error) {
    throw map(error);
  }
}

/** Full-jitter exponential backoff: a random delay up to initial·2^(attempt-1), capped. */
export function backoffDelayMs(attempt: number, retry: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(retry.maxBackoff, retry.initialBackoff * 2 ** (attempt - 1));
  return random() * ceiling;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(signal.reason, Code.Canceled));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Wraps an upstream's endpoint transports with deadlines, balancing, breaking and safe retries. */
export function createResilientTransport(options: ResilientTransportOptions): Transport {
  const { upstream, endpoints, policy } = options;
  if (endpoints.length === 0) throw new Error(`upstream ${upstream} has no endpoints`);
  const upstreamPolicy = policy.upstream(upstream);
  const breaker = circuitBreakerFor(upstream, options.endpointUrls, upstreamPolicy.breaker);
  const budget = new RetryBudget(upstreamPolicy.retryBudget);
  let turn = 0;
  const nextEndpoint = () => endpoints[turn++ % endpoints.length]!;

  /** The call's deadline and signal: the policy timeout, cut to the inbound budget. */
  function callBounds(methodPolicy: MethodPolicy, timeoutMs: number | undefined, signal: AbortSignal | undefined, name: string) {
    const inbound = remainingBudgetMs();
    const budgetMs = Math.min(timeoutMs ?? methodPolicy.timeoutMs, inbound ?? Infinity);
    if (budgetMs <= 0) {
      throw new ConnectError(`no time left in the caller's deadline to call ${name}`, Code.DeadlineExceeded);
    }
    const inboundSignal = currentCallContext()?.signal;
    const combined = signal && inboundSignal ? AbortSignal.any([signal, inboundSignal]) : (signal ?? inboundSignal);
    // No signal at all rather than a shared never-aborted one: every call would add a listener to it.
    return { deadline: Date.now() + budgetMs, signal: combined };
  }

  /** What the caller sees of a failed attempt: DEADLINE_EXCEEDED past its deadline, UNAVAILABLE for a failing transport. */
  function answerOf(error: unknown, bounds: ReturnType<typeof callBounds>): ConnectError {
    const callerSignal = bounds.signal ?? NEVER_ABORTED;
    return asUpstreamError(expiredAsDeadlineExceeded(error, bounds.deadline, callerSignal), upstream, callerSignal);
  }

  function shouldRetry(error: ConnectError, methodPolicy: MethodPolicy, attempt: number): boolean {
    if (!options.retries || attempt >= methodPolicy.retry.maxAttempts) return false;
    if (failedBeforeReachingServer(error)) return true;
    return methodPolicy.idempotent && methodPolicy.retry.retryOn.some((name) => RETRY_CODES[name] === error.code);
  }

  function observe(method: { name: string; parent: { typeName: string } }, started: number, code: string) {
    rpcClientDuration.observe(
      { upstream, rpc_service: method.parent.typeName, rpc_method: method.name, code },
      (performance.now() - started) / 1000,
    );
  }

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ) {
      const started = performance.now();
      const methodPolicy = policy.method(method);
      const name = `${method.parent.typeName}/${method.name}`;
      const bounds = callBounds(methodPolicy, timeoutMs, signal, name);
      budget.recordCall();
      for (let attempt = 1; ; attempt++) {
        const endpoint = nextEndpoint();
        try {
          // Inside the breaker, so a reset or refused connection counts against the upstream.
          const response = await breaker.execute(() =>
            endpoint
              .unary(method, bounds.signal, Math.max(1, bounds.deadline - Date.now()), header, input, contextValues)
              .catch((e: unknown) => Promise.reject(answerOf(e, bounds))),
          );
          observe(method, started, "OK");
          return response;
        } catch (caught) {
          const error =
            caught instanceof BrokenCircuitError
              ? unavailable("CIRCUIT_OPEN", `${upstream} is unavailable (circuit open); failing fast`, { upstream })
              : ConnectError.from(caught);
          const retryable = !(caught instanceof BrokenCircuitError) && shouldRetry(error, methodPolicy, attempt);
          const delay = retryable ? backoffDelayMs(attempt, methodPolicy.retry) : 0;
          if (!retryable || Date.now() + delay >= bounds.deadline) {
            observe(method, started, Code[error.code] ?? String(error.code));
            throw error;
          }
          if (!budget.tryAcquireRetry()) {
            rpcClientRetriesRefused.inc({ upstream });
            observe(method, started, Code[error.code] ?? String(error.code));
            throw error;
          }
          rpcClientRetries.inc({ upstream, rpc_method: name });
          await sleep(delay, bounds.signal ?? NEVER_ABORTED);
        }
      }
    },

    stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ) {
      const response = (async () => {
        // Streams are not retried: a message may already have been consumed.
        const bounds = callBounds(policy.method(method), timeoutMs, signal, `${method.parent.typeName}/${method.name}`);
        const answer = (e: unknown) => answerOf(e, bounds);
        try {
          const res = await nextEndpoint().stream(method, bounds.signal, Math.max(1, bounds.deadline - Date.now()), header, input, contextValues);
          return { ...res, message: deliveredMessages(res.message, bounds.signal ?? NEVER_ABORTED, answer) };
        } catch (error) {
          throw answer(error);
        }
      })();
      // A typed client awaits this only once its caller starts iterating the responses; a
      // deadline passing before then must fail that iteration, not end the process as an
      // unhandled rejection.
      response.catch(() => {});
      return response;
    },
  };
}
