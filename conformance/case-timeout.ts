// The one place the conformance client departs from a Junction service's client, on purpose:
// a call whose test case sets no timeout goes without the timeout header.
import { createContextKey, type Interceptor } from "@connectrpc/connect";

/** Context value: true when the test case set a timeout itself. */
export const caseSetsTimeout = createContextKey(false, { description: "conformance case sets a timeout" });

/**
 * The platform gives every call a deadline (the policy's when the caller sets none) and sends
 * it. The suite expects a call without a timeout to carry none, so for those cases the header
 * is removed; the policy deadline still bounds the call locally. Cases with a timeout keep it.
 */
export const onlyCaseTimeouts: Interceptor = (next) => (req) => {
  if (!req.contextValues.get(caseSetsTimeout)) {
    req.header.delete("grpc-timeout");
    req.header.delete("connect-timeout-ms");
  }
  return next(req);
};
