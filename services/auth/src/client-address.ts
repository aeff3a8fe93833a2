// Where a call comes from, as far as auth can trust it: the first address of X-Forwarded-For,
// but only when the caller is the edge, proven by its service credentials. Anyone else reaching
// auth's port could write any address there and make another client's counts theirs.
import { callingService } from "@junction/platform";
import type { HandlerContext } from "@connectrpc/connect";

/** The service name the edge presents in its service credentials. */
export const EDGE_CALLER = "edge";

/** The client address the edge vouches for, if the call came through the edge. */
export function trustedClientIp(call: HandlerContext): string | undefined {
  if (callingService(call) !== EDGE_CALLER) return undefined;
  const first = call.requestHeader.get("x-forwarded-for")?.split(",")[0]?.trim();
  return first ? first.slice(0, 64) : undefined;
}
