// Forgotten passwords: a reset token goes out by email (through the event), and redeeming it
// sets the new password, retires older reset links and ends every session of the account.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { UserPasswordResetRequestedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { FieldViolations } from "@junction/platform";
import type { AuthContext } from "./context.js";
import { issueEmailToken, redeemEmailToken, retireEmailTokens } from "./email-tokens.js";
import { checkEmail, checkNewPassword, checkRequired, normaliseEmail } from "./validation.js";

/**
 * Sends a reset email if `email` belongs to an active account and none went to it within the
 * cooldown. Answers the same in every case, so it cannot be used to find out who is registered.
 */
export async function requestPasswordReset(ctx: AuthContext, email: string): Promise<void> {
  const violations = new FieldViolations();
  checkEmail(violations, "email", email);
  violations.throwIfAny();
  const address = normaliseEmail(email);
  if (!(await ctx.resetCooldown.take(address))) return;
  const now = new Date();
  await ctx.prisma.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email: address } });
    if (!user || !user.active) return;
    const reset = await issueEmailToken(tx, user.id, "RESET_PASSWORD", ctx.config.resetPasswordTokenTtlMs, now);
    await ctx.outbox.add(
      tx,
      UserPasswordResetRequestedSchema,
      { userId: user.id, email: user.email, displayName: user.displayName, resetToken: reset.token, expireTime: timestampFromDate(reset.expiresAt) },
      { subject: user.id, time: now },
    );
  });
}

/** Sets a new password with a reset token and revokes every session of the user; returns the user id. */
export async function resetPassword(ctx: AuthContext, token: string, newPassword: string): Promise<string> {
  const violations = new FieldViolations();
  checkRequired(violations, "token", token);
  checkNewPassword(violations, "new_password", newPassword);
  violations.throwIfAny();
  const passwordHash = await ctx.passwords.hash(newPassword);
  const now = new Date();
  const userId = await ctx.prisma.$transaction(async (tx) => {
    const id = await redeemEmailToken(tx, token.trim(), "RESET_PASSWORD", "token", now);
    await tx.user.update({ where: { id }, data: { passwordHash } });
    await retireEmailTokens(tx, id, "RESET_PASSWORD", now);
    return id;
  });
  // After the commit: a session opened with the old password must not outlive it.
  await ctx.sessions.revokeAllOf(userId);
  return userId;
}
