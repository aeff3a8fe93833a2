// What the users service does with auth's events. Each handler writes through the delivery's
// transaction, which also records the event in the inbox, so a redelivered event changes
// nothing twice. Cached copies are dropped once the transaction has committed.
import type { MessageShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  UserCreatedSchema,
  UserDeactivatedSchema,
  UserEmailVerifiedSchema,
  UserRoleChangedSchema,
} from "@junction/gen/junction/auth/v1/events_pb";
import type { AfterCommit, EventConsumer, ReceivedEvent } from "@junction/platform";
import type { Prisma } from "./generated/prisma/client.js";
import type { ProfileStore } from "./profiles.js";
import type { RoleConfirmation } from "@junction/roles";

type Tx = Prisma.TransactionClient;
type Event = ReceivedEvent<Tx>;

/** What the handlers change besides the database. */
export interface ProfileEventTargets {
  readonly profiles: Pick<ProfileStore, "invalidate">;
  readonly roles: Pick<RoleConfirmation, "forget">;
  readonly afterCommit: AfterCommit<Tx>;
}

/** Registers users' handlers of auth events on `consumer`. */
export function handleAuthEvents(consumer: EventConsumer<Tx>, targets: ProfileEventTargets): EventConsumer<Tx> {
  return consumer
    .on(UserCreatedSchema, profileCreated)
    .on(UserEmailVerifiedSchema, (message, event) => emailVerified(targets, message, event))
    .on(UserDeactivatedSchema, (message, event) => accountDeactivated(targets, message, event))
    .on(UserRoleChangedSchema, async (message, event) => {
      targets.afterCommit.add(event.tx, () => targets.roles.forget(message.userId));
    });
}

/** auth.user.created: the profile starts with the registration's email and display name. */
async function profileCreated(message: MessageShape<typeof UserCreatedSchema>, event: Event): Promise<void> {
  const createdAt = message.createTime ? timestampDate(message.createTime) : (event.time ?? new Date());
  // Nothing to do if it exists: the inbox already stops redeliveries; this stops replays of an older
  // copy. One INSERT … ON CONFLICT DO NOTHING: an upsert with nothing to update is a read, an insert
  // and a read again in Prisma, three round trips inside the consumer's transaction.
  await event.tx.profile.createMany({
    data: [{ userId: message.userId, email: message.email, displayName: message.displayName, createdAt, updatedAt: createdAt }],
    skipDuplicates: true,
  });
  // No cache entry to drop: absence is never cached (profiles.ts), and an existing row is left as it was.
}

/** auth.user.email_verified: the profile shows the address as verified. */
async function emailVerified(targets: ProfileEventTargets, message: MessageShape<typeof UserEmailVerifiedSchema>, event: Event): Promise<void> {
  // Events of one stream arrive in order, so the profile exists unless the account is gone.
  await event.tx.profile.updateMany({
    where: { userId: message.userId, deactivatedAt: null },
    data: { email: message.email, emailVerified: true },
  });
  targets.afterCommit.add(event.tx, () => targets.profiles.invalidate(message.userId));
}

/** auth.user.deactivated: personal data is removed; the row stays as a tombstone so later events find it. */
async function accountDeactivated(targets: ProfileEventTargets, message: MessageShape<typeof UserDeactivatedSchema>, event: Event): Promise<void> {
  const deactivatedAt = message.deactivateTime ? timestampDate(message.deactivateTime) : (event.time ?? new Date());
  await event.tx.profile.updateMany({
    where: { userId: message.userId },
    data: { email: "", emailVerified: false, displayName: "", bio: "", avatarUrl: "", locale: "", timeZone: "", deactivatedAt },
  });
  targets.afterCommit.add(event.tx, async () => {
    await targets.profiles.invalidate(message.userId);
    await targets.roles.forget(message.userId);
  });
}
