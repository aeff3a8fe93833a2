// Accounts for end-to-end tests of orgs, notifications and audit: registered through auth's
// public API, signed in, and (when asked) made platform admins with auth's admin CLI.
import { randomBytes } from "node:crypto";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { runAdminCommand } from "@junction/auth/admin-cli";
import type { TestPlatform } from "./platform.js";

/** A signed-in test user. */
export interface SignedInUser {
  readonly userId: string;
  readonly email: string;
  readonly displayName: string;
  readonly password: string;
  readonly accessToken: string;
  /** Call options carrying the access token. */
  readonly auth: { headers: { authorization: string } };
}

/** The password every test account gets. */
export const TEST_PASSWORD = "correct-horse-9";

/** Registers and signs in a new user named `name` (the email gets a random part). */
export async function signUp(platform: TestPlatform, name: string): Promise<SignedInUser> {
  const auth = platform.client(AuthService);
  const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${randomBytes(3).toString("hex")}@example.com`;
  const { userId } = await auth.register({ email, password: TEST_PASSWORD, displayName: name });
  return signIn(platform, { userId, email, displayName: name, password: TEST_PASSWORD });
}

/** Signs `user` in again (e.g. after a role change), returning fresh tokens. */
export async function signIn(platform: TestPlatform, user: Pick<SignedInUser, "userId" | "email" | "displayName" | "password">): Promise<SignedInUser> {
  const { accessToken } = await platform.client(AuthService).login({ email: user.email, password: user.password });
  return { ...user, accessToken, auth: { headers: { authorization: `Bearer ${accessToken}` } } };
}

/** Registers a user, grants ROLE_ADMIN with auth's admin CLI, and signs them in with the new role. */
export async function signUpAdmin(platform: TestPlatform, name: string): Promise<SignedInUser> {
  const user = await signUp(platform, name);
  await runAdminCommand(["grant-admin", user.email], { ...platform.env });
  return signIn(platform, user);
}
