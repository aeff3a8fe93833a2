// Organizations: creating one and reading it. The creator becomes its first owner in the same
// transaction that announces orgs.organization.created.
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { OrganizationCreatedSchema } from "@junction/gen/junction/orgs/v1/events_pb";
import { domainError } from "@junction/platform";
import type { Caller, OrgsContext } from "./context.js";
import { MemberRole, type Organization, type Prisma } from "./generated/prisma/client.js";
import { canRead, type Standing } from "./member-roles.js";

/** Creates an organization named `name` with `caller` as its owner. */
export async function createOrganization(ctx: OrgsContext, caller: Caller, name: string): Promise<Organization> {
  const now = new Date();
  const id = randomUUID();
  return ctx.prisma.$transaction(async (tx) => {
    const organization = await tx.organization.create({ data: { id, name, createdBy: caller.userId, createdAt: now } });
    await tx.membership.create({ data: { orgId: id, userId: caller.userId, role: MemberRole.OWNER, addedBy: caller.userId, joinedAt: now } });
    await ctx.outbox.add(
      tx,
      OrganizationCreatedSchema,
      { orgId: id, name, ownerId: caller.userId, createTime: timestampFromDate(now) },
      { subject: id, actorId: caller.userId, orgId: id, time: now },
    );
    return organization;
  });
}

/** The organization `orgId`, which the caller must be allowed to read. */
export async function readableOrganization(ctx: OrgsContext, caller: Caller, orgId: string): Promise<Organization> {
  await requireReader(ctx.prisma, caller, orgId);
  const organization = await ctx.prisma.organization.findUnique({ where: { id: orgId } });
  if (!organization) throw organizationNotFound(orgId);
  return organization;
}

/**
 * The caller's standing in `orgId`; PERMISSION_DENIED unless they may read it. Non-members get
 * that answer whether or not the organization exists, so ids cannot be probed (AIP-211).
 */
export async function requireReader(db: Prisma.TransactionClient, caller: Caller, orgId: string): Promise<Standing> {
  const standing = await standingOf(db, caller, orgId);
  if (!canRead(standing)) throw notAMember();
  return standing;
}

/** The caller's membership role in `orgId` (if any) and platform-admin status. */
export async function standingOf(db: Prisma.TransactionClient, caller: Caller, orgId: string): Promise<Standing> {
  const membership = await db.membership.findUnique({ where: { orgId_userId: { orgId, userId: caller.userId } }, select: { role: true } });
  return { role: membership?.role, platformAdmin: caller.platformAdmin };
}

/** Locks `orgId` for the rest of the transaction, so membership changes of one organization run one at a time. */
export async function lockOrganization(tx: Prisma.TransactionClient, orgId: string): Promise<{ id: string; name: string } | undefined> {
  const rows = await tx.$queryRaw<Array<{ id: string; name: string }>>`SELECT id::text, name FROM organizations WHERE id = ${orgId}::uuid FOR UPDATE`;
  return rows[0];
}

/** PERMISSION_DENIED for a caller outside the organization. */
export function notAMember() {
  return domainError(Code.PermissionDenied, "NOT_A_MEMBER", "you are not a member of this organization");
}

/** NOT_FOUND for an organization that does not exist. */
export function organizationNotFound(orgId: string) {
  return domainError(Code.NotFound, "ORGANIZATION_NOT_FOUND", "no such organization", { org_id: orgId });
}
