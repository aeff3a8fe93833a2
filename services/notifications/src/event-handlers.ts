// What a person hears about, and how: each handler runs in its consumer's transaction, so the
// stored notification, the delivery record, the outbox row and the inbox row commit together.
//
//   auth.user.email_verification_requested  email (verification link)
//   auth.user.password_reset_requested      email (reset link)
//   auth.user.role_changed                  in-app + email
//   orgs.member.added                       in-app + email
//   orgs.member.removed                     in-app + email (not when the account was deactivated)
//   orgs.organization.created               remembers the name for later notices
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  UserEmailVerificationRequestedSchema,
  UserPasswordResetRequestedSchema,
  UserRoleChangedSchema,
} from "@junction/gen/junction/auth/v1/events_pb";
import { MemberAddedSchema, MemberRemovedSchema, OrganizationCreatedSchema } from "@junction/gen/junction/orgs/v1/events_pb";
import type { EventConsumer, ReceivedEvent } from "@junction/platform";
import type { NotificationsContext } from "./context.js";
import { noticeEmail, passwordResetEmail, verificationEmail } from "./email/templates.js";
import type { Prisma } from "./generated/prisma/client.js";
import { storeNotification } from "./in-app-inbox.js";
import { StoredKind } from "./kinds.js";
import { memberAddedNotice, memberRemovedNotice, rolesChangedNotice, type Notice } from "./notices.js";

type Tx = Prisma.TransactionClient;

/** Registers the handlers of auth's events on `consumer`. */
export function handleAuthEvents(consumer: EventConsumer<Tx>, ctx: NotificationsContext): EventConsumer<Tx> {
  const url = ctx.config.publicUrl;
  return consumer
    .on(UserEmailVerificationRequestedSchema, (message, event) =>
      ctx.mailer.deliver(event, {
        kind: StoredKind.EMAIL_VERIFICATION,
        userId: message.userId,
        recipient: async () => ({ email: message.email, displayName: message.displayName }),
        render: (to) =>
          verificationEmail({
            ...to,
            link: `${url}/verify-email?token=${encodeURIComponent(message.verificationToken)}`,
            expires: message.expireTime && timestampDate(message.expireTime),
          }),
      }),
    )
    .on(UserPasswordResetRequestedSchema, (message, event) =>
      ctx.mailer.deliver(event, {
        kind: StoredKind.PASSWORD_RESET,
        userId: message.userId,
        recipient: async () => ({ email: message.email, displayName: message.displayName }),
        render: (to) =>
          passwordResetEmail({
            ...to,
            link: `${url}/reset-password?token=${encodeURIComponent(message.resetToken)}`,
            expires: message.expireTime && timestampDate(message.expireTime),
          }),
      }),
    )
    .on(UserRoleChangedSchema, (message, event) =>
      notify(ctx, event, message.userId, StoredKind.ROLE_CHANGED, rolesChangedNotice(message.roles, message.previousRoles)),
    );
}

/** Registers the handlers of orgs' events on `consumer`. */
export function handleOrgsEvents(consumer: EventConsumer<Tx>, ctx: NotificationsContext): EventConsumer<Tx> {
  return consumer
    .on(OrganizationCreatedSchema, (message, event) => rememberName(event.tx, message.orgId, message.name))
    .on(MemberAddedSchema, async (message, event) => {
      await rememberName(event.tx, message.orgId, message.orgName);
      await notify(ctx, event, message.userId, StoredKind.ORG_MEMBER_ADDED, memberAddedNotice(message.orgName, message.role));
    })
    .on(MemberRemovedSchema, async (message, event) => {
      // A deactivated account hears nothing more.
      if (message.reason === "user_deactivated") return;
      const known = await event.tx.organizationName.findUnique({ where: { orgId: message.orgId } });
      await notify(ctx, event, message.userId, StoredKind.ORG_MEMBER_REMOVED, memberRemovedNotice(known?.name ?? "an organization", message.reason));
    });
}

/** An in-app notification and the same words by email. */
async function notify(ctx: NotificationsContext, event: ReceivedEvent<Tx>, userId: string, kind: StoredKind, notice: Notice): Promise<void> {
  await storeNotification(ctx, event, userId, kind, notice);
  await ctx.mailer.deliver(event, {
    kind,
    userId,
    recipient: () => ctx.recipients.recipient(userId),
    render: (to) => noticeEmail({ displayName: to.displayName || to.email, ...notice, link: `${ctx.config.publicUrl}/notifications` }),
  });
}

async function rememberName(tx: Tx, orgId: string, name: string): Promise<void> {
  if (!orgId || !name) return;
  await tx.organizationName.upsert({ where: { orgId }, create: { orgId, name }, update: { name } });
}
