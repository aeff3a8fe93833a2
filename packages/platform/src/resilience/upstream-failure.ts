// What a caller sees when an upstream gave no answer: a refused connection, a reset or broken
// stream, a dead HTTP/2 session, a stream cancelled because its connection closed. That is
// UNAVAILABLE (UPSTREAM_UNAVAILABLE, retryable) naming only the upstream, never the transport's
// text or an address; the breaker counts it. An answer the upstream did give (any code, with
// its details) passes as it is.
import { Code, ConnectError } from "@connectrpc/connect";
import { unavailable } from "../errors.js";

// Node's socket and HTTP/2 errors: the request or its answer was lost on the way.
const TRANSPORT_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const TRANSPORT_MESSAGES = /socket hang up|stream (was )?(closed|reset|destroyed)|NGHTTP2_|session (closed|destroyed)|premature close|protocol error/i;

// connect-node's message for a stream the peer reset (RST_STREAM), e.g. "http/2 stream closed with error code CANCEL (0x8)".
const HTTP2_RESET = /^http\/2 stream closed with error code/;

/** True when `error` (or an error it wraps) is the transport failing rather than an answer. */
export function isTransportFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && (TRANSPORT_CODES.has(code) || code.startsWith("ERR_HTTP2_"))) return true;
    if (depth > 0 && TRANSPORT_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/**
 * The error a caller of `upstream` should see for `caught`. `signal` is the call's own: a call
 * cancelled while it was not aborted was cancelled by its connection closing under it (HTTP/2
 * cancels the streams of a session whose peer went away), which is the upstream failing too.
 */
export function asUpstreamError(caught: unknown, upstream: string, signal?: AbortSignal): ConnectError {
  const error = ConnectError.from(caught);
  if (error.code === Code.DeadlineExceeded) return error;
  // Only a reset stream, never a CANCELED the upstream answered with (it has its own message).
  const droppedByConnection = error.code === Code.Canceled && signal !== undefined && !signal.aborted && HTTP2_RESET.test(error.rawMessage);
  if (!droppedByConnection && (error.code === Code.Canceled || !isTransportFailure(caught))) return error;
  return unavailable("UPSTREAM_UNAVAILABLE", `${upstream} is unavailable; try again`, { upstream }, caught);
}
