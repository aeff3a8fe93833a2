// The users service's own settings, from the environment, validated at start.
import { envDuration, loadConfig } from "@junction/platform";

/** Reads users' settings; throws ConfigError naming each bad variable. */
export function usersConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      // How long a cached profile is served without reading the database.
      profileCacheTtlMs: envDuration("JUNCTION_USERS_PROFILE_CACHE_TTL", "60s"),
    },
    env,
  );
}

/** Users' settings. */
export type UsersConfig = ReturnType<typeof usersConfig>;
