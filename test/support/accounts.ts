// Accounts for end-to-end tests, made through the real auth service: registered, signed in,
// made admin with the admin CLI, and the email tokens auth sends read from its events.
import { randomBytes } from "node:crypto";
import type { CallOptions } from "@connectrpc/connect";
import { UserEmailVerificationRequestedSchema, UserPasswordResetRequestedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { AuthService, type LoginResponse } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { runAdminCommand } from "@junction/auth/admin-cli";
import { FieldSeal } from "@junction/platform";
import { waitForEvent } from "./events.js";
import type { TestPlatform } from "./platform.js";

/** A password that satisfies auth's policy. */
export const PASSWORD = "correct-horse-9";

/** A signed-in test account. */
export interface Account {
  readonly userId: string;
  readonly email: string;
  readonly password: string;
  readonly displayName: string;
  /** The latest tokens of the account's session. */
  readonly session: LoginResponse;
  /** Call options carrying the access token. */
  readonly auth: CallOptions;
}

/** A fresh email address no other test uses. */
export function uniqueEmail(label = "user"): string {
  return `${label}-${randomBytes(4).toString("hex")}@example.com`;
}

/** Call options with `accessToken` as the bearer token (and, optionally, a client IP set by the edge). */
export function bearer(accessToken: string, clientIp?: string): CallOptions {
  const headers: Record<string, string> = { authorization: `Bearer ${accessToken}` };
  if (clientIp) headers["x-forwarded-for"] = clientIp;
  return { headers };
}

/** Registers an account and signs it in. */
export async function registerAndLogin(platform: TestPlatform, fields: { email?: string; displayName?: string } = {}): Promise<Account> {
  const auth = platform.client(AuthService);
  const email = fields.email ?? uniqueEmail();
  const displayName = fields.displayName ?? "Test User";
  const { userId } = await auth.register({ email, password: PASSWORD, displayName });
  return signIn(platform, { userId, email, password: PASSWORD, displayName });
}

/** Signs an existing account in again: a new session with tokens carrying the current roles. */
export async function signIn(platform: TestPlatform, account: Pick<Account, "userId" | "email" | "password" | "displayName">): Promise<Account> {
  const session = await platform.client(AuthService).login({ email: account.email, password: account.password });
  return { ...account, session, auth: bearer(session.accessToken) };
}

/** Registers an account, grants it ROLE_ADMIN with the admin CLI, and signs it in with an admin token. */
export async function registerAdmin(platform: TestPlatform): Promise<Account> {
  const account = await registerAndLogin(platform, { displayName: "Test Admin" });
  await runAdminCommand(["grant-admin", account.email], platform.env);
  return signIn(platform, account);
}

/** The verification token auth sent (sealed in its event, opened with the deployment's key ring, as notifications does) to `userId`. */
export async function verificationToken(platform: TestPlatform, userId: string): Promise<string> {
  const event = await waitForEvent(platform.env, UserEmailVerificationRequestedSchema, (e) => e.userId === userId);
  return FieldSeal.fromEnv(platform.env).open(UserEmailVerificationRequestedSchema, event).verificationToken;
}

/** The latest password-reset token auth sent (sealed in its event) to `userId`, other than `except`. */
export async function resetToken(platform: TestPlatform, userId: string, except: readonly string[] = []): Promise<string> {
  const seal = FieldSeal.fromEnv(platform.env);
  const event = await waitForEvent(platform.env, UserPasswordResetRequestedSchema, (e) => e.userId === userId && !except.includes(seal.open(UserPasswordResetRequestedSchema, e).resetToken));
  return seal.open(UserPasswordResetRequestedSchema, event).resetToken;
}
