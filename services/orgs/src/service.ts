// The orgs service: organizations and who belongs to them. Serves OrgsService and
// InternalOrgsService, publishes orgs.* events, and removes deactivated accounts from every
// organization (auth.user.deactivated). Where it runs and what it reads: manifest.yaml.
import { UserDeactivatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { bind, defineService, subscribe } from "@junction/platform";
import { roleConfirmation } from "@junction/roles";
import type { OrgsContext } from "./context.js";
import { onUserDeactivated } from "./event-handlers.js";
import { PrismaClient, type Prisma } from "./generated/prisma/client.js";
import { internalOrgsServiceHandlers } from "./handlers/internal-orgs-service.js";
import { orgsServiceHandlers } from "./handlers/orgs-service.js";
import { UserDirectory } from "./user-directory.js";

/** The orgs service, as the runtime hosts it. */
export const orgsService = defineService<OrgsContext, PrismaClient>({
  name: "orgs",
  database: { client: PrismaClient, migrations: new URL("../prisma/migrations", import.meta.url) },
  domain: (host) => {
    const auth = host.client(InternalAuthService);
    return { prisma: host.database, outbox: host.outbox, directory: new UserDirectory(auth), roles: roleConfirmation(host, auth), logger: host.logger };
  },
  consumes: {
    // The handler writes only through the transaction (events go to the outbox): safe to batch.
    auth: subscribe<OrgsContext, Prisma.TransactionClient>({
      register: (consumer, ctx) => consumer.on(UserDeactivatedSchema, (event, received) => onUserDeactivated(ctx, received.tx, event)),
      batchSize: 32,
    }),
  },
  rpcs: (ctx) => [bind(OrgsService, orgsServiceHandlers(ctx)), bind(InternalOrgsService, internalOrgsServiceHandlers(ctx))],
});
