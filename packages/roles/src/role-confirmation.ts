// Admin rights are read from the access token, but a token lives for minutes after a demotion,
// so acting on someone else's data also needs auth to confirm the role (GetUserRoles). The
// answer is cached in Redis, one entry per user shared by every service (users drops it on
// auth.user.role_changed); while auth is unavailable the cached answer stands in, and with
// neither the request is refused as UNAVAILABLE (ROLES_UNAVAILABLE): we cannot know, so we do
// not guess, and the caller may retry.
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { Role } from "@junction/gen/junction/auth/v1/role_pb";
import { envDuration, isUnavailable, loadConfig, ReadThroughCache, type ServiceHost, unavailable } from "@junction/platform";

/** What auth says about a user's roles. */
export interface ConfirmedRoles {
  readonly roles: Role[];
  readonly active: boolean;
}

/** Cached GetUserRoles answers by user id. */
export type RolesCache = ReadThroughCache<ConfirmedRoles>;

/** Where the confirmation came from: auth, the fresh cache, or the stale cache while auth is down. */
export type ConfirmationSource = "origin" | "cache" | "stale";

/** Confirms roles with auth through the cache. */
export class RoleConfirmation {
  constructor(
    private readonly auth: Client<typeof InternalAuthService>,
    private readonly cache: RolesCache,
  ) {}

  /** Whether `userId` is an active admin according to auth; UNAVAILABLE (ROLES_UNAVAILABLE) if neither auth nor the cache can tell. */
  async isAdmin(userId: string): Promise<{ admin: boolean; source: ConfirmationSource }> {
    try {
      const { value, source } = await this.cache.read(userId, async () => {
        try {
          const answer = await this.auth.getUserRoles({ userId });
          return { roles: answer.roles, active: answer.active };
        } catch (error) {
          // An account auth does not know holds no role; that answer is worth caching too.
          if (error instanceof ConnectError && error.code === Code.NotFound) return { roles: [], active: false };
          throw error;
        }
      });
      return { admin: value.active && value.roles.includes(Role.ADMIN), source };
    } catch (error) {
      if (isUnavailable(error)) {
        throw unavailable("ROLES_UNAVAILABLE", "the user's roles cannot be confirmed right now; try again");
      }
      throw error;
    }
  }

  /** Forgets what is cached for `userId`, e.g. on auth.user.role_changed. */
  forget(userId: string): Promise<void> {
    return this.cache.invalidate(userId);
  }
}

/** Settings shared by every service that confirms roles. */
function rolesConfig(env: NodeJS.ProcessEnv) {
  return loadConfig(
    {
      // How long a confirmation is trusted without asking auth again (0s: ask every time).
      freshMs: envDuration("JUNCTION_ROLES_CACHE_TTL", "30s"),
      // How long it is kept to stand in while auth is unavailable.
      keepMs: envDuration("JUNCTION_ROLES_CACHE_KEEP", "1h"),
    },
    env,
  );
}

/** The role confirmation of a hosted service: auth's InternalAuthService through the shared Redis cache. */
export function roleConfirmation(host: ServiceHost, auth: Client<typeof InternalAuthService>): RoleConfirmation {
  const { freshMs, keepMs } = rolesConfig(host.env);
  const onCacheError = (error: unknown) => host.logger.warn({ err: error }, "roles cache unavailable; asking auth");
  return new RoleConfirmation(auth, new ReadThroughCache<ConfirmedRoles>(host.redis, { namespace: host.redisNamespace, name: "roles", freshMs, keepMs, onCacheError }));
}
