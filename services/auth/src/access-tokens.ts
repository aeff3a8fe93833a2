// Issues access tokens: short-lived EdDSA JWTs that every service verifies locally against
// auth's JWKS. Claims: sub (user), sid (session), roles (names like "ROLE_USER"), iat, exp,
// iss "junction-auth", aud "junction"; the `kid` header names the signing key.
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, type RoleName } from "@junction/platform";
import { SignJWT } from "jose";
import { SIGNING_ALGORITHM, type SigningKeyRing } from "./signing-keys.js";

/** A signed access token and its lifetime. */
export interface IssuedAccessToken {
  readonly token: string;
  /** Seconds until it expires (LoginResponse.expires_in). */
  readonly expiresIn: number;
}

/** Signs access tokens with the ring's current key. */
export class AccessTokenIssuer {
  constructor(
    private readonly ring: SigningKeyRing,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token for `userId` in session `sessionId` carrying `roles`. */
  async issue(userId: string, sessionId: string, roles: readonly RoleName[]): Promise<IssuedAccessToken> {
    const key = await this.ring.signingKey();
    const issuedAt = Math.floor(this.now() / 1000);
    const expiresIn = Math.floor(this.ttlMs / 1000);
    const token = await new SignJWT({ sid: sessionId, roles: [...roles] })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: "JWT" })
      .setSubject(userId)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + expiresIn)
      .sign(key.privateKey);
    return { token, expiresIn };
  }
}
