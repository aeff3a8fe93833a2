// Managing accounts on behalf of other services: reading and replacing roles, deactivation,
// and looking up who a user is. Who may do what is checked by the handlers; these functions
// validate input, change state and announce the change through the outbox.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { UserDeactivatedSchema, UserRoleChangedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import type { Role } from "@junction/gen/junction/auth/v1/role_pb";
import { domainError, FieldViolations } from "@junction/platform";
import type { AuthContext } from "./context.js";
import { retireEmailTokens } from "./email-tokens.js";
import type { User } from "./generated/prisma/client.js";
import { roleName, roleNames, rolesFromNames } from "./roles.js";
import { normaliseEmail } from "./validation.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_REASON_LENGTH = 200;

/** Records a violation unless `value` is a user id (a UUID). */
export function checkUserId(violations: FieldViolations, field: string, value: string): void {
  if (value === "") violations.add(field, "is required");
  else if (!UUID.test(value)) violations.add(field, "must be a user id (UUID)");
}

/** The user with `userId`; NOT_FOUND (USER_NOT_FOUND) if there is none. */
export async function findUser(ctx: AuthContext, userId: string, field = "user_id"): Promise<User> {
  const violations = new FieldViolations();
  checkUserId(violations, field, userId);
  violations.throwIfAny();
  const user = await ctx.prisma.user.findUnique({ where: { id: userId } });
  if (!user) throw domainError(Code.NotFound, "USER_NOT_FOUND", "no such user", { user_id: userId });
  return user;
}

/** Replaces a user's roles, announcing the change; returns the roles now in force. */
export async function setUserRoles(ctx: AuthContext, userId: string, roles: readonly Role[], actorId: string): Promise<Role[]> {
  const violations = new FieldViolations();
  checkUserId(violations, "user_id", userId);
  if (roles.length === 0) violations.add("roles", "must name at least one role");
  const invalid = roles.filter((role) => roleName(role) === undefined);
  if (invalid.length > 0) violations.add("roles", `contains values that are not roles: ${invalid.join(", ")}`);
  violations.throwIfAny();

  const names = roleNames(roles.map((role) => roleName(role)!));
  const now = new Date();
  return ctx.prisma.$transaction(async (tx) => {
    // Locked, so two concurrent changes each see the roles the other left.
    const rows = await tx.$queryRaw<Array<{ roles: string[] }>>`SELECT roles FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
    const previous = rows[0]?.roles;
    if (previous === undefined) throw domainError(Code.NotFound, "USER_NOT_FOUND", "no such user", { user_id: userId });
    const before = roleNames(previous);
    if (before.join() !== names.join()) {
      await tx.user.update({ where: { id: userId }, data: { roles: names } });
      await ctx.outbox.add(
        tx,
        UserRoleChangedSchema,
        { userId, roles: rolesFromNames(names), previousRoles: rolesFromNames(before), actorId, changeTime: timestampFromDate(now) },
        { subject: userId, actorId, time: now },
      );
    }
    return rolesFromNames(names);
  });
}

/** Deactivates an account, revokes its sessions and announces it; repeating it changes nothing. */
export async function deactivateUser(ctx: AuthContext, userId: string, actorId: string, reason: string): Promise<void> {
  const violations = new FieldViolations();
  checkUserId(violations, "user_id", userId);
  if ([...reason].length > MAX_REASON_LENGTH) violations.add("reason", `must be at most ${MAX_REASON_LENGTH} characters`);
  violations.throwIfAny();
  const now = new Date();
  await ctx.prisma.$transaction(async (tx) => {
    const changed = await tx.user.updateMany({ where: { id: userId, active: true }, data: { active: false } });
    if (changed.count === 0) {
      if (!(await tx.user.findUnique({ where: { id: userId }, select: { id: true } }))) {
        throw domainError(Code.NotFound, "USER_NOT_FOUND", "no such user", { user_id: userId });
      }
      return;
    }
    await retireEmailTokens(tx, userId, "RESET_PASSWORD", now);
    await retireEmailTokens(tx, userId, "VERIFY_EMAIL", now);
    await ctx.outbox.add(tx, UserDeactivatedSchema, { userId, actorId, reason, deactivateTime: timestampFromDate(now) }, { subject: userId, actorId, time: now });
  });
  await ctx.sessions.revokeAllOf(userId);
}

/** Grants `role` to the account with `email`, through setUserRoles (the admin CLI's bootstrap). */
export async function grantRoleByEmail(ctx: AuthContext, email: string, role: Role, actorId: string): Promise<Role[]> {
  const user = await ctx.prisma.user.findUnique({ where: { email: normaliseEmail(email) } });
  if (!user) throw domainError(Code.NotFound, "USER_NOT_FOUND", `no account with the email ${email}`);
  return setUserRoles(ctx, user.id, [...rolesFromNames(user.roles), role], actorId);
}

/** True when `userId` is an active account that holds ROLE_ADMIN right now (not just in an old token). */
export async function isActiveAdmin(ctx: AuthContext, userId: string): Promise<boolean> {
  const user = await ctx.prisma.user.findUnique({ where: { id: userId }, select: { roles: true, active: true } });
  return user !== null && user.active && roleNames(user.roles).includes("ROLE_ADMIN");
}
