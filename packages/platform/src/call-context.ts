// The inbound call a piece of code runs on behalf of: its deadline, request id and caller.
// Server interceptors open it; clients read it to propagate the remaining budget and the
// caller's credentials downstream; loggers read it to tag every line.
import { AsyncLocalStorage } from "node:async_hooks";

/** What is known about the inbound call being served. */
export interface CallContext {
  /** Fully-qualified service name of the inbound RPC, e.g. "junction.auth.v1.AuthService". */
  readonly service: string;
  /** Method name of the inbound RPC, e.g. "Login". */
  readonly method: string;
  /** Absolute deadline in epoch milliseconds, when the caller set one. */
  readonly deadline?: number;
  /** Aborted when the caller goes away or the deadline passes. */
  readonly signal: AbortSignal;
  /** Correlates logs, traces and events of one request across services. */
  readonly requestId: string;
  /** The caller's `Authorization` header, forwarded verbatim so downstream services verify it themselves. */
  readonly authorization?: string;
  /** The W3C trace context passed on downstream when this process records no spans of its own. */
  readonly traceparent?: string;
}

const storage = new AsyncLocalStorage<CallContext>();

/** Runs `fn` with `context` as the current call context. */
export function runInCallContext<T>(context: CallContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The call context of the code running now, if it serves an inbound call. */
export function currentCallContext(): CallContext | undefined {
  return storage.getStore();
}

/** Milliseconds left until the current inbound deadline, or undefined without one. */
export function remainingBudgetMs(now = Date.now()): number | undefined {
  const deadline = storage.getStore()?.deadline;
  return deadline === undefined ? undefined : Math.max(0, deadline - now);
}
