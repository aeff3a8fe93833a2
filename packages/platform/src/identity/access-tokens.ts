// User access tokens: short-lived JWTs signed by auth with an asymmetric key and verified
// locally by every service against auth's public JWKS. A bad token is UNAUTHENTICATED; a key
// set that cannot be fetched is UNAVAILABLE, because the token itself may well be fine.
import { Code, type ConnectError } from "@connectrpc/connect";
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { domainError, unavailable } from "../errors.js";

/** The issuer auth puts in every access token. */
export const ACCESS_TOKEN_ISSUER = "junction-auth";
/** The audience auth puts in every access token. */
export const ACCESS_TOKEN_AUDIENCE = "junction";

/** Asymmetric signature algorithms an access token may use; symmetric ones are never accepted. */
export type AccessTokenAlgorithm = "EdDSA" | "ES256" | "RS256";

/** What a verified access token says about its bearer. */
export interface AccessTokenClaims {
  /** The user (`sub`). */
  readonly userId: string;
  /** The login session the token belongs to (`sid`). */
  readonly sessionId: string;
  /** Role names, e.g. "ROLE_USER", "ROLE_ADMIN" (`roles`). */
  readonly roles: readonly string[];
  /** When the token stops being valid (`exp`). */
  readonly expiresAt: Date;
  /** Who signed it (`iss`). */
  readonly issuer: string;
  /** Who it is meant for (`aud`), always as a list. */
  readonly audience: readonly string[];
}

/** Checks access tokens and returns their claims. */
export interface AccessTokenVerifier {
  /** The claims of `token`, or a ConnectError: UNAUTHENTICATED (TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID) or UNAVAILABLE (JWKS_UNAVAILABLE). */
  verify(token: string | undefined): Promise<AccessTokenClaims>;
}

/** Checks that apply whatever the key source. */
export interface AccessTokenPolicy {
  /** Expected `iss`; default "junction-auth". */
  readonly issuer?: string;
  /** Expected `aud`; default "junction". */
  readonly audience?: string;
  /** Accepted signature algorithms; default EdDSA, ES256 and RS256. */
  readonly algorithms?: readonly AccessTokenAlgorithm[];
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds; default 5. */
  readonly clockToleranceSeconds?: number;
}

/** Keys fetched from auth's JWKS endpoint over HTTP, cached and refetched on an unknown `kid`. */
export interface RemoteKeySource extends AccessTokenPolicy {
  /** e.g. "http://localhost:50051/.well-known/jwks.json". */
  readonly jwksUrl: string | URL;
  /** Minimum time between two fetches caused by an unknown `kid`; default 5 000 ms. */
  readonly cooldownMs?: number;
  /** How long a fetched key set is used before it is fetched again; default 10 minutes. */
  readonly cacheMaxAgeMs?: number;
  /** How long one fetch may take; default 5 000 ms. */
  readonly fetchTimeoutMs?: number;
}

/** Keys resolved in-process, e.g. by auth itself from its own key store (jose's `createLocalJWKSet` fits). */
export interface LocalKeySource extends AccessTokenPolicy {
  readonly keys: JWTVerifyGetKey;
}

/**
 * The errors a rejected token gets, wherever it is checked: here, at the TypeScript edge, and in
 * the local replies rendered for Envoy's jwt_authn, so every door answers alike.
 */
export const accessTokenErrors = {
  missing: () => domainError(Code.Unauthenticated, "TOKEN_MISSING", "an access token is required"),
  expired: () => domainError(Code.Unauthenticated, "TOKEN_EXPIRED", "the access token has expired"),
  invalid: () => domainError(Code.Unauthenticated, "TOKEN_INVALID", "the access token is not valid"),
  keysUnavailable: () => unavailable("JWKS_UNAVAILABLE", "the keys to verify the access token cannot be loaded; try again"),
} as const;

const DEFAULT_ALGORITHMS: readonly AccessTokenAlgorithm[] = ["EdDSA", "ES256", "RS256"];

/** A verifier reading keys from a JWKS URL (`{ jwksUrl }`) or from a local key function (`{ keys }`). */
export function createAccessTokenVerifier(source: RemoteKeySource | LocalKeySource): AccessTokenVerifier {
  const keys = "keys" in source ? source.keys : remoteKeys(source);
  const getKey = keySetFailuresAsUnavailable(keys);
  const issuer = source.issuer ?? ACCESS_TOKEN_ISSUER;
  const audience = source.audience ?? ACCESS_TOKEN_AUDIENCE;
  const algorithms = [...(source.algorithms ?? DEFAULT_ALGORITHMS)];
  const clockTolerance = source.clockToleranceSeconds ?? 5;

  // A client presents the same token on every call until it expires: remember verified ones
  // (bounded) so the signature is checked once per token, not once per call.
  const verified = new Map<string, AccessTokenClaims>();
  return {
    async verify(token) {
      if (token === undefined || token.trim() === "") {
        throw accessTokenErrors.missing();
      }
      const known = verified.get(token);
      if (known && known.expiresAt.getTime() > Date.now()) return known;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token.trim(), getKey, {
          issuer,
          audience,
          algorithms,
          clockTolerance,
          requiredClaims: ["sub", "sid", "exp"],
        }));
      } catch (error) {
        throw verificationError(error);
      }
      const claims = claimsOf(payload);
      if (verified.size >= 10_000) verified.clear();
      verified.set(token, claims);
      return claims;
    },
  };
}

function remoteKeys(source: RemoteKeySource): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(source.jwksUrl), {
    cooldownDuration: source.cooldownMs ?? 5_000,
    cacheMaxAge: source.cacheMaxAgeMs ?? 600_000,
    timeoutDuration: source.fetchTimeoutMs ?? 5_000,
  });
}

/** Thrown by the key lookup when the key set itself could not be obtained. */
class KeySetUnavailable extends Error {
  constructor(cause: unknown) {
    super("the JSON Web Key Set could not be loaded", { cause });
    this.name = "KeySetUnavailable";
  }
}

// Failures that say something about the token (unknown kid, unsupported alg), not the key set.
const TOKEN_KEY_FAILURES = [
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
  errors.JOSENotSupported,
  errors.JOSEAlgNotAllowed,
  errors.JWSInvalid,
];

function keySetFailuresAsUnavailable(keys: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      if (TOKEN_KEY_FAILURES.some((type) => error instanceof type)) throw error;
      throw new KeySetUnavailable(error);
    }
  };
}

function verificationError(error: unknown): ConnectError {
  if (error instanceof KeySetUnavailable) return accessTokenErrors.keysUnavailable();
  if (error instanceof errors.JWTExpired) return accessTokenErrors.expired();
  // Anything else that went wrong while checking a caller-supplied token is the token's fault.
  return accessTokenErrors.invalid();
}

function claimsOf(payload: JWTPayload): AccessTokenClaims {
  const { sub, sid, roles, exp, iss, aud } = payload;
  const rolesOk = roles === undefined || (Array.isArray(roles) && roles.every((role) => typeof role === "string"));
  if (typeof sub !== "string" || sub === "" || typeof sid !== "string" || sid === "" || !rolesOk || exp === undefined || iss === undefined || aud === undefined) {
    throw accessTokenErrors.invalid();
  }
  return {
    userId: sub,
    sessionId: sid,
    roles: (roles as string[] | undefined) ?? [],
    expiresAt: new Date(exp * 1000),
    issuer: iss,
    audience: typeof aud === "string" ? [aud] : aud,
  };
}
