// Who may pass the edge: public RPCs marked allow_anonymous in the contracts pass without a
// token; every other route needs a valid access token. Services verify it again themselves.
import type { DescMethod } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { allowsAnonymous } from "@junction/platform/contracts";
import type { AccessTokenClaims, AccessTokenVerifier } from "@junction/platform/identity/access-tokens";

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match?.[1];
}

/** Checks the caller may call `method`; throws UNAUTHENTICATED otherwise. Returns the claims when a token was given. */
export async function admit(method: DescMethod, authorization: string | null | undefined, verifier: AccessTokenVerifier): Promise<AccessTokenClaims | undefined> {
  const token = bearerToken(authorization);
  if (allowsAnonymous(method) && token === undefined) return undefined;
  return verifier.verify(token);
}

/** The same check for Connect, gRPC and gRPC-Web calls passing through the edge. */
export function admission(verifier: AccessTokenVerifier): Interceptor {
  return (next) => async (req) => {
    await admit(req.method, req.header.get("authorization"), verifier);
    return next(req);
  };
}
