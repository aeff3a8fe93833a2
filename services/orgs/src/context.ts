// What the orgs domain works with; built once at start by server.ts.
import type { Logger, Outbox } from "@junction/platform";
import type { PrismaClient } from "./generated/prisma/client.js";
import type { RoleConfirmation } from "@junction/roles";
import type { UserDirectory } from "./user-directory.js";

/** The orgs service's dependencies. */
export interface OrgsContext {
  readonly prisma: PrismaClient;
  readonly outbox: Pick<Outbox, "add">;
  readonly directory: Pick<UserDirectory, "requireActiveUser">;
  /** Confirms a platform admin's role with auth (a token outlives a demotion). */
  readonly roles: Pick<RoleConfirmation, "isAdmin">;
  readonly logger: Logger;
}

/** Who is calling: the verified user and whether they are a platform admin. */
export interface Caller {
  readonly userId: string;
  readonly platformAdmin: boolean;
}
