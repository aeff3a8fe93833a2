// Who is calling, for handlers: the user behind a verified `Authorization: Bearer` access token
// and the service behind a verified service token. Identity comes only from what the server
// itself verified, never from a header a client could set.
import { Code, createContextKey, type ContextValues, type Interceptor } from "@connectrpc/connect";
import { domainError } from "../errors.js";
import type { AccessTokenClaims, AccessTokenVerifier } from "./access-tokens.js";
import { callingServiceKey, serviceCredentialsInterceptor, type ServiceSecret } from "./service-credentials.js";

/** A role as it appears in an access token's `roles` claim, e.g. "ROLE_ADMIN" (the issuer's enum value name). */
export type RoleName = string;

/** Anything carrying per-call context values, e.g. a handler's context. */
export interface CallValues {
  readonly values: ContextValues;
}

/** Context value: the claims of the caller's verified access token, set by `userAuthenticationInterceptor`. */
export const userClaimsKey = createContextKey<AccessTokenClaims | undefined>(undefined, { description: "junction user claims" });

const BEARER = /^Bearer\s+(.*)$/i;

/**
 * Server interceptor: with an `Authorization` header, verifies its bearer token and stores the
 * claims under `userClaimsKey`, refusing the call (UNAUTHENTICATED) when the token is bad.
 * Without the header the call goes on anonymously; handlers decide with `requireUser`.
 */
export function userAuthenticationInterceptor(verifier: AccessTokenVerifier): Interceptor {
  // Not an async function: a call without a token passes on without a promise of its own.
  return (next) => (req) => {
    req.contextValues.delete(userClaimsKey);
    const authorization = req.header.get("authorization");
    if (authorization === null) return next(req);
    const bearer = BEARER.exec(authorization.trim());
    if (bearer === null) {
      return Promise.reject(domainError(Code.Unauthenticated, "TOKEN_INVALID", "the Authorization header must be \"Bearer <access token>\""));
    }
    return verifier.verify(bearer[1]!).then((claims) => {
      req.contextValues.set(userClaimsKey, claims);
      return next(req);
    });
  };
}

/**
 * The identity guards every service runs after call observation: a presented service token
 * must be valid (and the internal APIs listed require one), or else a presented edge key
 * (the Envoy edge's, edge-key.ts), then a presented access token.
 */
export function identityInterceptors(serviceSecret: ServiceSecret, verifier: AccessTokenVerifier, internalServices: Iterable<string> = [], edgeKey?: string): Interceptor[] {
  return [serviceCredentialsInterceptor(serviceSecret, { internalServices, edgeKey }), userAuthenticationInterceptor(verifier)];
}

/** The verified user making this call, if any. */
export function currentUser(ctx: CallValues): AccessTokenClaims | undefined {
  return ctx.values.get(userClaimsKey);
}

/** The verified user making this call; UNAUTHENTICATED (TOKEN_MISSING) without one. */
export function requireUser(ctx: CallValues): AccessTokenClaims {
  const user = currentUser(ctx);
  if (user === undefined) throw domainError(Code.Unauthenticated, "TOKEN_MISSING", "this RPC requires a signed-in user");
  return user;
}

/** The verified user, who must hold `role`; PERMISSION_DENIED (ROLE_REQUIRED) otherwise. */
export function requireRole(ctx: CallValues, role: RoleName): AccessTokenClaims {
  const user = requireUser(ctx);
  if (!user.roles.includes(role)) {
    throw domainError(Code.PermissionDenied, "ROLE_REQUIRED", `this RPC requires the role ${role}`, { role });
  }
  return user;
}

/** The verified Junction service making this call (e.g. "users"), or undefined for outside callers. */
export function callingService(ctx: CallValues): string | undefined {
  return ctx.values.get(callingServiceKey);
}
