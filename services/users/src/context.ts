// What the users service's handlers work with; built once at start by server.ts.
import type { Client } from "@connectrpc/connect";
import type { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import type { Logger } from "@junction/platform";
import type { PrismaClient } from "./generated/prisma/client.js";
import type { ProfileStore } from "./profiles.js";
import type { RoleConfirmation } from "@junction/roles";

/** Users' dependencies. */
export interface UsersContext {
  readonly prisma: PrismaClient;
  readonly profiles: ProfileStore;
  readonly roles: RoleConfirmation;
  readonly orgs: Client<typeof InternalOrgsService>;
  /** GetMe's budget when the caller set no deadline. */
  readonly getMeBudgetMs: number;
  readonly logger: Logger;
}
