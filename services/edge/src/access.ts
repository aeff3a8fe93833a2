// Who may pass the edge: public RPCs marked allow_anonymous in the contracts pass without a
// token; every other route needs a valid access token. Services verify it again themselves.
// A refused caller is told how to authenticate (WWW-Authenticate), as Envoy's jwt_authn tells it.
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { type AccessTokenClaims, type AccessTokenVerifier, allowsAnonymous, isOperationalPath } from "@junction/platform";

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match?.[1];
}

/** The WWW-Authenticate challenge for a request to `url` refused for its token (or the lack of one). */
export function bearerChallenge(url: string, tokenGiven: boolean): string {
  return `Bearer realm="${url}"${tokenGiven ? ', error="invalid_token"' : ""}`;
}

/**
 * Checks the caller may call `method`; throws UNAUTHENTICATED otherwise, carrying the challenge
 * for `url` in its metadata. Returns the claims when a token was given.
 */
export async function admit(method: DescMethod, authorization: string | null | undefined, verifier: AccessTokenVerifier, url: string): Promise<AccessTokenClaims | undefined> {
  const token = bearerToken(authorization);
  if (allowsAnonymous(method) && token === undefined) return undefined;
  try {
    return await verifier.verify(token);
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.Unauthenticated) error.metadata.set("www-authenticate", bearerChallenge(url, token !== undefined));
    throw error;
  }
}

/** The same check for Connect, gRPC and gRPC-Web calls passing through the edge; grpc.health.v1 is for probes and needs no token. */
export function admission(verifier: AccessTokenVerifier): Interceptor {
  return (next) => async (req) => {
    if (isOperationalPath(new URL(req.url).pathname)) return next(req);
    await admit(req.method, req.header.get("authorization"), verifier, new URL(req.url).toString());
    return next(req);
  };
}
