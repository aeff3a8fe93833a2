// What the notifications domain works with; built once at start by server.ts.
import type { AfterCommit, Logger, Outbox } from "@junction/platform";
import type { NotificationsConfig } from "./config.js";
import type { Mailer } from "./email/mailer.js";
import type { Prisma, PrismaClient } from "./generated/prisma/client.js";
import type { LiveFeed } from "./live-feed.js";
import type { RecipientDirectory } from "./recipients.js";

/** The notifications service's dependencies. */
export interface NotificationsContext {
  readonly config: NotificationsConfig;
  readonly prisma: PrismaClient;
  readonly outbox: Pick<Outbox, "add">;
  readonly afterCommit: AfterCommit<Prisma.TransactionClient>;
  readonly mailer: Mailer;
  readonly recipients: Pick<RecipientDirectory, "recipient">;
  readonly feed: LiveFeed;
  readonly logger: Logger;
}
