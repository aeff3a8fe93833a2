// What auth's domain code works with; built once at start by server.ts.
import type { Logger, Outbox, SessionRegistry } from "@junction/platform";
import type { AccessTokenIssuer } from "./access-tokens.js";
import type { AuthConfig } from "./config.js";
import type { PrismaClient } from "./generated/prisma/client.js";
import type { LoginThrottle } from "./login-throttle.js";
import type { PasswordHasher } from "./passwords.js";
import type { ResetCooldown } from "./reset-cooldown.js";
import type { RefreshTokenFamily } from "./refresh-tokens.js";
import type { SigningKeyRing } from "./signing-keys.js";

/** Auth's dependencies. */
export interface AuthContext {
  readonly config: AuthConfig;
  readonly prisma: PrismaClient;
  readonly outbox: Pick<Outbox, "add">;
  readonly passwords: PasswordHasher;
  readonly keys: SigningKeyRing;
  readonly accessTokens: AccessTokenIssuer;
  readonly sessions: SessionRegistry;
  readonly refreshTokens: RefreshTokenFamily;
  readonly throttle: LoginThrottle;
  readonly resetCooldown: ResetCooldown;
  readonly logger: Logger;
}
