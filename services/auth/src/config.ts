// The auth service's own settings, from the environment, validated at start. Every lifetime
// and limit has a production default; tests and benchmarks lower the hashing cost.
import { envDuration, envInt, loadConfig } from "@junction/platform";

/** Reads auth's settings; throws ConfigError naming each bad variable. */
export function authConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      accessTokenTtlMs: envDuration("JUNCTION_AUTH_ACCESS_TOKEN_TTL", "15m", 10_000),
      refreshTokenTtlMs: envDuration("JUNCTION_AUTH_REFRESH_TOKEN_TTL", "14d", 60_000),
      keyRotationMs: envDuration("JUNCTION_AUTH_KEY_ROTATION", "30d", 1_000),
      verifyEmailTokenTtlMs: envDuration("JUNCTION_AUTH_VERIFY_EMAIL_TOKEN_TTL", "48h", 1_000),
      resetPasswordTokenTtlMs: envDuration("JUNCTION_AUTH_RESET_PASSWORD_TOKEN_TTL", "1h", 1_000),
      // OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane.
      argon2MemoryKib: envInt("JUNCTION_AUTH_ARGON2_MEMORY_KIB", 19_456, 8, 4_194_304),
      argon2TimeCost: envInt("JUNCTION_AUTH_ARGON2_TIME_COST", 2, 1, 100),
      argon2Parallelism: envInt("JUNCTION_AUTH_ARGON2_PARALLELISM", 1, 1, 16),
      loginMaxFailuresPerAccountClient: envInt("JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT_CLIENT", 5, 1),
      loginMaxFailuresPerAccount: envInt("JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT", 50, 1),
      loginMaxFailuresPerIp: envInt("JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_IP", 20, 1),
      // One reset email per account per cooldown, whoever asks.
      resetPasswordCooldownMs: envDuration("JUNCTION_AUTH_RESET_PASSWORD_COOLDOWN", "60s", 0),
      loginFailureWindowMs: envDuration("JUNCTION_AUTH_LOGIN_FAILURE_WINDOW", "15m", 1_000),
    },
    env,
  );
}

/** Auth's settings. */
export type AuthConfig = ReturnType<typeof authConfig>;
