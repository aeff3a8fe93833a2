// Memberships: listing, adding and removing members under the role rules, each change in one
// transaction with its orgs.member.* event. Changes to one organization are serialised by a
// row lock on it, so two owners removing each other cannot leave it without an owner.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { MemberAddedSchema, MemberRemovedSchema } from "@junction/gen/junction/orgs/v1/events_pb";
import { domainError, type SqlTransaction } from "@junction/platform";
import type { Caller, OrgsContext } from "./context.js";
import { MemberRole, type Membership, type Organization, type Prisma } from "./generated/prisma/client.js";
import { canGrant, canManage, canRemove, contractRole, type Standing } from "./member-roles.js";
import { lockOrganization, notAMember, organizationNotFound, requireReader, standingOf } from "./organizations.js";
import type { MemberCursor } from "./page-token.js";

/** Why a member left, as recorded in orgs.member.removed. */
export type RemovalReason = "removed" | "left" | "user_deactivated";

/** One page of an organization's members, oldest first, and the cursor of the next page. */
export async function listMembers(
  ctx: OrgsContext,
  caller: Caller,
  query: { orgId: string; pageSize: number; after?: MemberCursor },
): Promise<{ members: Membership[]; next?: MemberCursor }> {
  await requireReader(ctx.prisma, caller, query.orgId);
  if (caller.platformAdmin && !(await ctx.prisma.organization.findUnique({ where: { id: query.orgId }, select: { id: true } }))) {
    throw organizationNotFound(query.orgId);
  }
  const { after } = query;
  const rows = await ctx.prisma.membership.findMany({
    where: {
      orgId: query.orgId,
      ...(after && { OR: [{ joinedAt: { gt: after.joinedAt } }, { joinedAt: after.joinedAt, userId: { gt: after.userId } }] }),
    },
    orderBy: [{ joinedAt: "asc" }, { userId: "asc" }],
    take: query.pageSize + 1,
  });
  const members = rows.slice(0, query.pageSize);
  const last = members.at(-1);
  const next = rows.length > query.pageSize && last ? { orgId: query.orgId, joinedAt: last.joinedAt, userId: last.userId } : undefined;
  return { members, next };
}

/** Adds `userId` to `orgId` with `role`; the user must be an active account and not yet a member. */
export async function addMember(ctx: OrgsContext, caller: Caller, input: { orgId: string; userId: string; role: MemberRole }): Promise<Membership> {
  // Cheap refusals first, so a caller without rights never triggers a call to auth.
  requireGrant(await standingOf(ctx.prisma, caller, input.orgId), input.role);
  await ctx.directory.requireActiveUser(input.userId);
  const now = new Date();
  return ctx.prisma.$transaction(async (tx) => {
    const organization = await lockOrganization(tx, input.orgId);
    // Rights may have changed while auth was asked; decide again under the lock.
    const standing = requireGrant(await standingOf(tx, caller, input.orgId), input.role);
    if (!organization) throw standing.platformAdmin ? organizationNotFound(input.orgId) : notAMember();
    const existing = await tx.membership.findUnique({ where: { orgId_userId: { orgId: input.orgId, userId: input.userId } } });
    if (existing) throw domainError(Code.AlreadyExists, "ALREADY_A_MEMBER", "the user is already a member of this organization", { user_id: input.userId });
    const membership = await tx.membership.create({
      data: { orgId: input.orgId, userId: input.userId, role: input.role, addedBy: caller.userId, joinedAt: now },
    });
    await ctx.outbox.add(
      tx,
      MemberAddedSchema,
      { orgId: input.orgId, orgName: organization.name, userId: input.userId, role: contractRole(input.role), actorId: caller.userId, addTime: timestampFromDate(now) },
      { subject: input.orgId, actorId: caller.userId, orgId: input.orgId, time: now },
    );
    return membership;
  });
}

/**
 * Removes `userId` from `orgId`. Owners and admins remove others (admins never owners), anyone
 * removes themself, the last owner stays. Removing a non-member succeeds without effect, so a
 * retried call gets the same answer.
 */
export async function removeMember(ctx: OrgsContext, caller: Caller, input: { orgId: string; userId: string }): Promise<void> {
  const self = input.userId === caller.userId;
  await ctx.prisma.$transaction(async (tx) => {
    const organization = await lockOrganization(tx, input.orgId);
    const standing = await standingOf(tx, caller, input.orgId);
    if (!organization) throw standing.platformAdmin ? organizationNotFound(input.orgId) : notAMember();
    if (standing.role === undefined && !standing.platformAdmin) throw notAMember();
    const target = await tx.membership.findUnique({ where: { orgId_userId: input } });
    if (!target) {
      if (canManage(standing)) return;
      throw domainError(Code.PermissionDenied, "ORG_ADMIN_REQUIRED", "only owners and admins remove other members");
    }
    if (!canRemove(standing, target.role, self)) {
      throw target.role === MemberRole.OWNER
        ? domainError(Code.PermissionDenied, "ORG_OWNER_REQUIRED", "only owners remove owners")
        : domainError(Code.PermissionDenied, "ORG_ADMIN_REQUIRED", "only owners and admins remove other members");
    }
    if (target.role === MemberRole.OWNER && (await ownerCount(tx, input.orgId)) <= 1) {
      throw domainError(Code.FailedPrecondition, "LAST_OWNER", "an organization keeps at least one owner; make someone else owner first");
    }
    await deleteMembership(ctx, tx, target, { actorId: caller.userId, reason: self ? "left" : "removed" });
  });
}

/**
 * Removes every membership of a deactivated user, announcing each with reason
 * "user_deactivated", through the event handler's transaction `tx`. An organization whose
 * last owner this was keeps its other members; platform admins can appoint a new owner.
 */
export async function removeUserEverywhere(ctx: Pick<OrgsContext, "outbox" | "logger">, tx: Prisma.TransactionClient, userId: string): Promise<number> {
  const memberships = await tx.membership.findMany({ where: { userId }, orderBy: { orgId: "asc" } });
  for (const membership of memberships) {
    // Same lock order as RemoveMember (organization, then membership): no deadlock between them.
    await lockOrganization(tx, membership.orgId);
    if (membership.role === MemberRole.OWNER && (await ownerCount(tx, membership.orgId)) <= 1) {
      ctx.logger.warn({ org_id: membership.orgId, user_id: userId }, "deactivated user was the last owner; the organization has no owner now");
    }
    await deleteMembership(ctx, tx, membership, { actorId: "", reason: "user_deactivated" });
  }
  return memberships.length;
}

/** The organizations `userId` belongs to, with the user's role, oldest membership first. */
export function organizationsOf(ctx: OrgsContext, userId: string): Promise<Array<Membership & { organization: Organization }>> {
  return ctx.prisma.membership.findMany({ where: { userId }, include: { organization: true }, orderBy: [{ joinedAt: "asc" }, { orgId: "asc" }] });
}

function requireGrant(standing: Standing, role: MemberRole): Standing {
  if (standing.role === undefined && !standing.platformAdmin) throw notAMember();
  if (!canManage(standing)) throw domainError(Code.PermissionDenied, "ORG_ADMIN_REQUIRED", "only owners and admins add members");
  if (!canGrant(standing, role)) throw domainError(Code.PermissionDenied, "ORG_OWNER_REQUIRED", "only owners make other members owners");
  return standing;
}

async function ownerCount(tx: Prisma.TransactionClient, orgId: string): Promise<number> {
  return tx.membership.count({ where: { orgId, role: MemberRole.OWNER } });
}

async function deleteMembership(
  ctx: Pick<OrgsContext, "outbox">,
  tx: Prisma.TransactionClient & SqlTransaction,
  membership: Membership,
  cause: { actorId: string; reason: RemovalReason },
): Promise<void> {
  const now = new Date();
  await tx.membership.delete({ where: { orgId_userId: { orgId: membership.orgId, userId: membership.userId } } });
  await ctx.outbox.add(
    tx,
    MemberRemovedSchema,
    { orgId: membership.orgId, userId: membership.userId, actorId: cause.actorId, reason: cause.reason, removeTime: timestampFromDate(now) },
    { subject: membership.orgId, actorId: cause.actorId || undefined, orgId: membership.orgId, time: now },
  );
}
