// Sessions from the user's side: Login opens one (access token + first refresh token), Refresh
// rotates within it, Logout ends it. A failed login says nothing about which part was wrong and
// takes as long for an unknown email as for a wrong password.
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { SessionCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { domainError, FieldViolations } from "@junction/platform";
import type { AuthContext } from "./context.js";
import { refreshRefused } from "./refresh-tokens.js";
import { roleNames } from "./roles.js";
import { checkRequired, normaliseEmail } from "./validation.js";

/** Where a login comes from, as far as the edge told us. */
export interface ClientInfo {
  readonly clientIp?: string;
  readonly userAgent?: string;
}

/** The tokens of a session, as in LoginResponse and RefreshResponse. */
export interface SessionTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly userId: string;
  readonly sessionId: string;
}

/** Checks the credentials and opens a session; UNAUTHENTICATED (INVALID_CREDENTIALS) or RESOURCE_EXHAUSTED (LOGIN_THROTTLED). */
export async function login(ctx: AuthContext, email: string, password: string, client: ClientInfo): Promise<SessionTokens> {
  const violations = new FieldViolations();
  checkRequired(violations, "email", email);
  checkRequired(violations, "password", password);
  violations.throwIfAny();

  const attempt = { email: normaliseEmail(email), clientIp: client.clientIp };
  await ctx.throttle.assertAllowed(attempt);
  const user = await ctx.prisma.user.findUnique({ where: { email: attempt.email } });
  if (!(await ctx.passwords.verify(user?.passwordHash, password)) || !user) {
    await ctx.throttle.recordFailure(attempt);
    throw domainError(Code.Unauthenticated, "INVALID_CREDENTIALS", "the email or password is wrong");
  }
  if (!user.active) throw accountDeactivated();
  await ctx.throttle.recordSuccess(attempt);

  const sessionId = randomUUID();
  const now = new Date();
  // The event first: if it cannot be recorded, no session exists that nobody was told about.
  await ctx.prisma.$transaction((tx) =>
    ctx.outbox.add(
      tx,
      SessionCreatedSchema,
      { sessionId, userId: user.id, clientIp: client.clientIp ?? "", userAgent: (client.userAgent ?? "").slice(0, 256), createTime: timestampFromDate(now) },
      { subject: user.id, actorId: user.id, time: now },
    ),
  );
  await ctx.sessions.open({ sessionId, userId: user.id, createdAt: now, ...client }, refreshTtlSeconds(ctx));
  const refreshToken = await ctx.refreshTokens.start(sessionId, user.id);
  const access = await ctx.accessTokens.issue(user.id, sessionId, roleNames(user.roles));
  return { accessToken: access.token, refreshToken, expiresIn: access.expiresIn, userId: user.id, sessionId };
}

/** Rotates a refresh token; a reused one revokes its session (REFRESH_TOKEN_REUSED). */
export async function refresh(ctx: AuthContext, refreshToken: string): Promise<SessionTokens> {
  const violations = new FieldViolations();
  checkRequired(violations, "refresh_token", refreshToken);
  violations.throwIfAny();

  const rotation = await ctx.refreshTokens.rotate(refreshToken.trim());
  if (rotation.outcome !== "rotated") {
    if (rotation.outcome === "reused") ctx.logger.warn({ session_id: rotation.sessionId, user_id: rotation.userId }, "refresh token reused; session revoked");
    throw refreshRefused(rotation.outcome);
  }
  // Roles and the account state are read again, so a change reaches the next access token.
  const user = await ctx.prisma.user.findUnique({ where: { id: rotation.userId } });
  if (!user || !user.active) {
    await ctx.sessions.revoke(rotation.sessionId);
    throw accountDeactivated();
  }
  const access = await ctx.accessTokens.issue(user.id, rotation.sessionId, roleNames(user.roles));
  return { accessToken: access.token, refreshToken: rotation.refreshToken, expiresIn: access.expiresIn, userId: user.id, sessionId: rotation.sessionId };
}

/** Ends the session of the caller's access token. */
export async function logout(ctx: AuthContext, sessionId: string): Promise<void> {
  await ctx.sessions.revoke(sessionId);
}

function refreshTtlSeconds(ctx: AuthContext): number {
  return Math.ceil(ctx.config.refreshTokenTtlMs / 1000);
}

function accountDeactivated() {
  return domainError(Code.PermissionDenied, "ACCOUNT_DEACTIVATED", "this account has been deactivated");
}
