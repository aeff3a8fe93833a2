// Builds auth's domain context from what the host opened: database, Redis, keys, sessions,
// throttling, hashing and the outbox. Used by the service and by the admin CLI alike, so both
// write through the same code.
import { ConfigError, type ServiceHost } from "@junction/platform";
import { AccessTokenIssuer } from "./access-tokens.js";
import { authConfig } from "./config.js";
import type { AuthContext } from "./context.js";
import { PrismaClient } from "./generated/prisma/client.js";
import { LoginThrottle } from "./login-throttle.js";
import { PasswordHasher } from "./passwords.js";
import { ResetCooldown } from "./reset-cooldown.js";
import { RefreshTokenFamily } from "./refresh-tokens.js";
import { SigningKeyRing } from "./signing-keys.js";

/** Auth's database: its Prisma client and migrations. */
export const authDatabase = { client: PrismaClient, migrations: new URL("../prisma/migrations", import.meta.url) };

/** Assembles auth's domain from the host's database and Redis. */
export function authDomain(host: ServiceHost<PrismaClient>): AuthContext {
  const config = authConfig(host.env);
  if (config.refreshTokenTtlMs < config.accessTokenTtlMs) {
    // A session must outlive its access tokens, or a revoked one could not be told from an expired one.
    throw new ConfigError(["JUNCTION_AUTH_REFRESH_TOKEN_TTL: must be at least JUNCTION_AUTH_ACCESS_TOKEN_TTL"]);
  }
  const prisma = host.database;
  const redis = host.redis;
  const ring = new SigningKeyRing(prisma, { rotationMs: config.keyRotationMs, tokenTtlMs: config.accessTokenTtlMs });
  const sessions = host.sessions;
  return {
    config,
    prisma,
    outbox: host.outbox,
    passwords: new PasswordHasher({ memoryKib: config.argon2MemoryKib, timeCost: config.argon2TimeCost, parallelism: config.argon2Parallelism }),
    keys: ring,
    accessTokens: new AccessTokenIssuer(ring, config.accessTokenTtlMs),
    sessions,
    refreshTokens: new RefreshTokenFamily(redis, sessions, Math.ceil(config.refreshTokenTtlMs / 1000)),
    throttle: new LoginThrottle(redis, host.redisNamespace, {
      maxFailuresPerAccountClient: config.loginMaxFailuresPerAccountClient,
      maxFailuresPerAccount: config.loginMaxFailuresPerAccount,
      maxFailuresPerClient: config.loginMaxFailuresPerIp,
      windowMs: config.loginFailureWindowMs,
    }),
    resetCooldown: new ResetCooldown(redis, host.redisNamespace, config.resetPasswordCooldownMs),
    logger: host.logger,
  };
}
