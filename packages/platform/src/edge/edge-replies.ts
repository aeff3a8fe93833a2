// The answers an edge gives itself, without a service: no route, wrong verb, body too large, rate
// limited, upstream timed out or unavailable. The TypeScript edge throws these errors and the
// Envoy renderer turns the same errors into local replies, so both doors answer with one voice.
// (Rejected access tokens are in identity/access-tokens.ts, shared with the services.)
import { Code, ConnectError } from "@connectrpc/connect";
import { domainError, errorReason, unavailable } from "../errors.js";
import { httpStatusOf } from "./http-errors.js";

/** The largest REST request body either edge accepts. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** The reason (google.rpc.ErrorInfo) of a REST body over MAX_REQUEST_BODY_BYTES. */
export const BODY_TOO_LARGE_REASON = "BODY_TOO_LARGE";
/** The HTTP status REST callers get for it at both edges (its code, INVALID_ARGUMENT, maps to 400). */
export const BODY_TOO_LARGE_STATUS = 413;

/** Which rate limit a request hit. */
export type RateLimitName = "client" | "user";

/** The response header of a 429 naming the limit that was hit. */
export const RATE_LIMIT_NAME_HEADER = "x-junction-rate-limit";

/** The errors, by case. Messages that name the request take its method and path. */
export const edgeReplies = {
  noRoute: (method: string, path: string) => new ConnectError(`no route for ${method} ${path}`, Code.NotFound),
  /** What gRPC and Connect callers of an RPC the edge does not serve (internal, unknown) get. */
  unknownRpc: () => new ConnectError("the edge serves no such RPC", Code.Unimplemented),
  methodNotAllowed: (method: string, path: string) => new ConnectError(`${method} is not allowed on ${path}`, Code.Unimplemented),
  bodyTooLarge: () => domainError(Code.InvalidArgument, BODY_TOO_LARGE_REASON, `request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes`),
  rateLimited: (limit: RateLimitName) => domainError(Code.ResourceExhausted, "RATE_LIMITED", `rate limit per ${limit} exceeded`, { limit }),
  // The message a caller sees from any gRPC client whose deadline expired.
  upstreamTimeout: () => new ConnectError("the operation timed out", Code.DeadlineExceeded),
  upstreamUnavailable: () => unavailable("UPSTREAM_UNAVAILABLE", "the service is unavailable; try again"),
  malformedRequest: () => new ConnectError("the request is malformed", Code.InvalidArgument),
  unexpected: () => new ConnectError("the edge could not handle the request", Code.Internal),
} as const;

/** The HTTP status of `error` for a REST caller: its code's, but 413 for a body over the limit. */
export function restStatusOf(error: ConnectError): number {
  return errorReason(error) === BODY_TOO_LARGE_REASON ? BODY_TOO_LARGE_STATUS : httpStatusOf(error.code);
}
