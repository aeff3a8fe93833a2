// What orgs does when other services' events arrive, inside the consumer's transaction (so
// the effect and the inbox row commit together and a redelivery changes nothing).
import type { UserDeactivated } from "@junction/gen/junction/auth/v1/events_pb";
import type { OrgsContext } from "./context.js";
import type { Prisma } from "./generated/prisma/client.js";
import { removeUserEverywhere } from "./memberships.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** auth.user.deactivated: the account leaves every organization. */
export async function onUserDeactivated(ctx: Pick<OrgsContext, "outbox" | "logger">, tx: Prisma.TransactionClient, event: UserDeactivated): Promise<void> {
  // Not a user id orgs could have stored (memberships hold UUIDs): nothing to remove, and no retry would change that.
  if (!UUID.test(event.userId)) {
    ctx.logger.warn({ user_id: event.userId }, "auth.user.deactivated for a user id that is not a UUID; ignored");
    return;
  }
  const removed = await removeUserEverywhere(ctx, tx, event.userId.toLowerCase());
  if (removed > 0) ctx.logger.info({ user_id: event.userId, removed }, "deactivated user removed from organizations");
}
