// Where a call comes from, as far as auth can trust it: the address the edge saw, but only when
// the caller is the edge, proven by its service credentials (the TypeScript edge's service
// token, or the Envoy edge's key). Anyone else reaching auth's port could write any address
// there and make another client's counts theirs.
import { callingService, EDGE_CALLER } from "@junction/platform";
import type { HandlerContext } from "@connectrpc/connect";

/** The client address the edge vouches for, if the call came through the edge. */
export function trustedClientIp(call: HandlerContext): string | undefined {
  if (callingService(call) !== EDGE_CALLER) return undefined;
  // Envoy names the peer it saw in x-envoy-external-address (a client cannot set x-envoy-*
  // headers there); the TypeScript edge replaces x-forwarded-for with it.
  const address = call.requestHeader.get("x-envoy-external-address") ?? call.requestHeader.get("x-forwarded-for")?.split(",").at(-1);
  return address?.trim() ? address.trim().slice(0, 64) : undefined;
}
