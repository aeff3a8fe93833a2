// Builds auth's domain context from a service runtime: database, Redis, keys, sessions,
// throttling, hashing and the outbox. Used by the server and by the admin CLI alike, so both
// write through the same code.
import { fileURLToPath } from "node:url";
import { Outbox } from "@junction/platform/events/outbox";
import { ConfigError } from "@junction/platform/config";
import { SessionRegistry } from "@junction/platform/identity/sessions";
import { redisNamespace } from "@junction/platform/redis-keys";
import type { ServiceRuntime } from "@junction/platform/service-runtime";
import type { Redis } from "ioredis";
import { AccessTokenIssuer } from "./access-tokens.js";
import { authConfig } from "./config.js";
import type { AuthContext } from "./context.js";
import { PrismaClient } from "./generated/prisma/client.js";
import { LoginThrottle } from "./login-throttle.js";
import { PasswordHasher } from "./passwords.js";
import { RefreshTokenFamily } from "./refresh-tokens.js";
import { SigningKeyRing } from "./signing-keys.js";

/** Auth's SQL migrations (Prisma layout). */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/** The context and the raw connections it was built from. */
export interface AuthDomain {
  readonly ctx: AuthContext;
  readonly redis: Redis;
}

/** Opens auth's database and Redis through `runtime` and assembles the domain. */
export async function openAuthDomain(runtime: ServiceRuntime): Promise<AuthDomain> {
  const config = authConfig(runtime.env);
  if (config.refreshTokenTtlMs < config.accessTokenTtlMs) {
    // A session must outlive its access tokens, or a revoked one could not be told from an expired one.
    throw new ConfigError(["JUNCTION_AUTH_REFRESH_TOKEN_TTL: must be at least JUNCTION_AUTH_ACCESS_TOKEN_TTL"]);
  }
  const prisma = await runtime.database(PrismaClient, MIGRATIONS_DIR);
  const redis = await runtime.redis();
  const namespace = redisNamespace(runtime.env);
  const ring = new SigningKeyRing(prisma, { rotationMs: config.keyRotationMs, tokenTtlMs: config.accessTokenTtlMs });
  const sessions = new SessionRegistry(redis, namespace);
  const ctx: AuthContext = {
    config,
    prisma,
    outbox: new Outbox("auth"),
    passwords: new PasswordHasher({ memoryKib: config.argon2MemoryKib, timeCost: config.argon2TimeCost, parallelism: config.argon2Parallelism }),
    keys: ring,
    accessTokens: new AccessTokenIssuer(ring, config.accessTokenTtlMs),
    sessions,
    refreshTokens: new RefreshTokenFamily(redis, sessions, Math.ceil(config.refreshTokenTtlMs / 1000)),
    throttle: new LoginThrottle(redis, namespace, {
      maxFailuresPerAccount: config.loginMaxFailuresPerAccount,
      maxFailuresPerIp: config.loginMaxFailuresPerIp,
      windowMs: config.loginFailureWindowMs,
    }),
    logger: runtime.logger,
  };
  return { ctx, redis };
}
