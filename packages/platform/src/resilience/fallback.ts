// Domain fallbacks: when an upstream is unavailable (down, too slow, or its breaker is open),
// a caller with a sensible substitute (cached roles, a partial answer) uses it instead of failing.
import { Code, ConnectError } from "@connectrpc/connect";

const UNAVAILABLE_CODES = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted]);

/** True when `error` means the upstream could not answer, rather than answered with an error. */
export function isUnavailable(error: unknown): boolean {
  return error instanceof ConnectError && UNAVAILABLE_CODES.has(error.code);
}

/** Runs `call`; if the upstream is unavailable, returns `fallback(error)` instead. Other errors propagate. */
export async function withFallback<T>(call: () => Promise<T>, fallback: (error: ConnectError) => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) return fallback(error as ConnectError);
    throw error;
  }
}
