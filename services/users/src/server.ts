// Starts the users service: UsersService on one port, session checks on every authenticated
// call, auth's events consumed into profiles.
import { fileURLToPath } from "node:url";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { ReadThroughCache } from "@junction/platform/cache";
import { Outbox } from "@junction/platform/events/index";
import { SessionRegistry, sessionCheckInterceptor } from "@junction/platform/identity/sessions";
import { redisNamespace } from "@junction/platform/redis-keys";
import { bind, type ServiceServer } from "@junction/platform/server/service-server";
import { ServiceRuntime, type ServiceStartOptions } from "@junction/platform/service-runtime";
import { usersConfig } from "./config.js";
import type { UsersContext } from "./context.js";
import { startEvents } from "./events.js";
import { PrismaClient } from "./generated/prisma/client.js";
import { usersServiceHandlers } from "./handlers/users-service.js";
import { profileCodec, ProfileStore } from "./profiles.js";
import { RoleConfirmation, type ConfirmedRoles } from "./role-confirmation.js";

/** Users' SQL migrations (Prisma layout). */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/** How to start users; everything else comes from the environment. */
export type UsersOptions = ServiceStartOptions;

/** A running users service. */
export interface UsersServer extends ServiceServer {
  /** The domain behind it, for tests and tools. */
  readonly context: UsersContext;
}

/** Starts users and resolves once it listens; fails with a message naming an unreachable Postgres, Redis or NATS. */
export async function startUsers(options: UsersOptions = {}): Promise<UsersServer> {
  const runtime = ServiceRuntime.create({ name: "users", env: options.env, logger: options.logger });
  try {
    const config = usersConfig(runtime.env);
    const prisma = await runtime.database(PrismaClient, MIGRATIONS_DIR);
    const redis = await runtime.redis();
    const namespace = redisNamespace(runtime.env);
    const onCacheError = (error: unknown) => runtime.logger.warn({ err: error }, "cache unavailable; reading the source");

    const profiles = new ProfileStore(
      prisma,
      new ReadThroughCache(redis, { namespace, name: "profile", freshMs: config.profileCacheTtlMs, keepMs: config.profileCacheTtlMs, codec: profileCodec, onCacheError }),
      new Outbox("users"),
    );
    const roles = new RoleConfirmation(
      runtime.client(InternalAuthService),
      new ReadThroughCache<ConfirmedRoles>(redis, { namespace, name: "roles", freshMs: config.rolesCacheTtlMs, keepMs: config.rolesCacheKeepMs, onCacheError }),
    );
    const context: UsersContext = {
      prisma,
      profiles,
      roles,
      orgs: runtime.client(InternalOrgsService),
      getMeBudgetMs: runtime.policy.method(UsersService.method.getMe).timeoutMs,
      logger: runtime.logger,
    };
    await startEvents(runtime, prisma, { profiles, roles });

    const server = await runtime.serve([bind(UsersService, usersServiceHandlers(context))], {
      interceptors: [sessionCheckInterceptor(new SessionRegistry(redis, namespace))],
    });
    return Object.assign(server, { context });
  } catch (error) {
    // Nothing half-open stays behind: pools and connections opened so far are closed.
    await runtime.abandon();
    throw error;
  }
}
