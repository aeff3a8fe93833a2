// The users service: profiles, and GetMe composed from identity, profile and organizations.
// Serves UsersService, publishes users.profile.updated, and keeps profiles in step with auth's
// events. Where it runs and what it reads: manifest.yaml.
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { AfterCommit, bind, defineService, ReadThroughCache, type ServiceHost, subscribe } from "@junction/platform";
import { usersConfig } from "./config.js";
import type { UsersContext } from "./context.js";
import { handleAuthEvents } from "./event-handlers.js";
import { PrismaClient, type Prisma } from "./generated/prisma/client.js";
import { usersServiceHandlers } from "./handlers/users-service.js";
import { profileCodec, ProfileStore } from "./profiles.js";
import { roleConfirmation } from "@junction/roles";

/** Users' domain and what its event handlers need besides. */
interface UsersDomain extends UsersContext {
  readonly afterCommit: AfterCommit<Prisma.TransactionClient>;
}

function usersDomain(host: ServiceHost<PrismaClient>): UsersDomain {
  const config = usersConfig(host.env);
  const prisma = host.database;
  const namespace = host.redisNamespace;
  const onCacheError = (error: unknown) => host.logger.warn({ err: error }, "cache unavailable; reading the source");
  return {
    prisma,
    profiles: new ProfileStore(
      prisma,
      new ReadThroughCache(host.redis, { namespace, name: "profile", freshMs: config.profileCacheTtlMs, keepMs: config.profileCacheTtlMs, codec: profileCodec, onCacheError }),
      host.outbox,
    ),
    roles: roleConfirmation(host, host.client(InternalAuthService)),
    orgs: host.client(InternalOrgsService),
    getMeBudgetMs: host.policy.method(UsersService.method.getMe).timeoutMs,
    afterCommit: new AfterCommit<Prisma.TransactionClient>(prisma),
    logger: host.logger,
  };
}

/** The users service, as the runtime hosts it. */
export const usersService = defineService<UsersDomain, PrismaClient>({
  name: "users",
  database: { client: PrismaClient, migrations: new URL("../prisma/migrations", import.meta.url) },
  redis: true,
  domain: usersDomain,
  consumes: {
    // Handlers write only through the transaction (cache drops run after commit): safe to batch.
    auth: subscribe<UsersDomain, Prisma.TransactionClient>({
      register: (consumer, ctx) => handleAuthEvents(consumer, ctx),
      transactions: (ctx) => ctx.afterCommit.runner,
      batchSize: 32,
    }),
  },
  rpcs: (ctx) => [bind(UsersService, usersServiceHandlers(ctx))],
});
