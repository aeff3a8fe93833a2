// Registering an account and verifying its email. An account, its verification token and the
// events announcing both commit in one transaction, so a failure anywhere writes nothing.
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { UserCreatedSchema, UserEmailVerificationRequestedSchema, UserEmailVerifiedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { domainError, FieldViolations } from "@junction/platform";
import type { AuthContext } from "./context.js";
import { issueEmailToken, redeemEmailToken } from "./email-tokens.js";
import { DEFAULT_ROLES } from "./roles.js";
import { checkDisplayName, checkEmail, checkNewPassword, checkRequired, normaliseEmail } from "./validation.js";

/** Register's input, as in RegisterRequest. */
export interface Registration {
  email: string;
  password: string;
  displayName: string;
}

/** Creates an account; returns its user id. ALREADY_EXISTS (EMAIL_TAKEN) if the email is registered. */
export async function register(ctx: AuthContext, input: Registration): Promise<string> {
  const violations = new FieldViolations();
  checkEmail(violations, "email", input.email);
  checkNewPassword(violations, "password", input.password);
  checkDisplayName(violations, "display_name", input.displayName);
  violations.throwIfAny();

  const email = normaliseEmail(input.email);
  const displayName = input.displayName.trim();
  // Checked before hashing so a duplicate costs no hash; the unique index settles races.
  if (await ctx.prisma.user.findUnique({ where: { email }, select: { id: true } })) throw emailTaken();
  const passwordHash = await ctx.passwords.hash(input.password);
  const id = randomUUID();
  const now = new Date();
  try {
    await ctx.prisma.$transaction(async (tx) => {
      await tx.user.create({ data: { id, email, displayName, passwordHash, roles: [...DEFAULT_ROLES], createdAt: now, updatedAt: now } });
      const verification = await issueEmailToken(tx, id, "VERIFY_EMAIL", ctx.config.verifyEmailTokenTtlMs, now);
      const event = { subject: id, actorId: id, time: now };
      await ctx.outbox.add(tx, UserCreatedSchema, { userId: id, email, displayName, createTime: timestampFromDate(now) }, event);
      await ctx.outbox.add(
        tx,
        UserEmailVerificationRequestedSchema,
        { userId: id, email, displayName, verificationToken: verification.token, expireTime: timestampFromDate(verification.expiresAt) },
        event,
      );
    });
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") throw emailTaken();
    throw error;
  }
  return id;
}

/** Redeems a verification token; returns the verified user's id. */
export async function verifyEmail(ctx: AuthContext, token: string): Promise<string> {
  const violations = new FieldViolations();
  checkRequired(violations, "token", token);
  violations.throwIfAny();
  const now = new Date();
  return ctx.prisma.$transaction(async (tx) => {
    const userId = await redeemEmailToken(tx, token.trim(), "VERIFY_EMAIL", "token", now);
    const user = await tx.user.update({ where: { id: userId }, data: { emailVerifiedAt: now }, select: { email: true } });
    await ctx.outbox.add(tx, UserEmailVerifiedSchema, { userId, email: user.email, verifyTime: timestampFromDate(now) }, { subject: userId, actorId: userId, time: now });
    return userId;
  });
}

function emailTaken() {
  return domainError(Code.AlreadyExists, "EMAIL_TAKEN", "an account with this email already exists");
}
