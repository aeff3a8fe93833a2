// The state a parity run starts from, made once per edge through the services themselves: users
// (an owner, a member, an outsider, an admin), an organization with its member, and the member's
// notification. Each edge gets a world of its own, so requests with side effects (logout, adding a
// member, marking read) meet the same state through both; the values that differ between the two
// worlds (ids, emails, tokens) are named so outcomes can be compared without them.
import { randomBytes } from "node:crypto";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { MemberRole, OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { runAdminCommand } from "@junction/auth/admin-cli";
import { eventually, type TestPlatform } from "../platform.js";

/** The password of every world user. */
export const WORLD_PASSWORD = "correct-horse-9";

/** A signed-in world user. */
export interface WorldUser {
  readonly userId: string;
  readonly email: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** One edge's starting state. */
export interface World {
  /** Unique to this world; put in names and emails so the two worlds never collide. */
  readonly tag: string;
  readonly owner: WorldUser;
  readonly member: WorldUser;
  readonly outsider: WorldUser;
  readonly admin: WorldUser;
  readonly orgId: string;
  readonly notificationId: string;
  /** World-specific values and the placeholder each becomes in a compared outcome (tokens are set aside by their shape). */
  readonly aliases: ReadonlyMap<string, string>;
  /** Registers and signs in a fresh user, for cases that need one of their own. */
  freshUser(label: string): Promise<WorldUser>;
}

async function signUp(platform: TestPlatform, email: string, name: string): Promise<WorldUser> {
  const auth = platform.client(AuthService);
  const { userId } = await auth.register({ email, password: WORLD_PASSWORD, displayName: name });
  return signIn(platform, userId, email);
}

async function signIn(platform: TestPlatform, userId: string, email: string): Promise<WorldUser> {
  const { accessToken, refreshToken } = await platform.client(AuthService).login({ email, password: WORLD_PASSWORD });
  return { userId, email, accessToken, refreshToken };
}

/** Builds a world on `platform` and waits until the events it caused have settled (profiles, the member's notification). */
export async function createWorld(platform: TestPlatform, label: string): Promise<World> {
  const tag = `${label}${randomBytes(3).toString("hex")}`;
  const email = (who: string) => `${who}-${tag}@example.com`;
  const owner = await signUp(platform, email("owner"), "Owner");
  const member = await signUp(platform, email("member"), "Member");
  const outsider = await signUp(platform, email("outsider"), "Outsider");
  const registeredAdmin = await signUp(platform, email("admin"), "Admin");
  await runAdminCommand(["grant-admin", registeredAdmin.email], { ...platform.env });
  const admin = await signIn(platform, registeredAdmin.userId, registeredAdmin.email);

  const orgs = platform.client(OrgsService);
  const as = (user: WorldUser) => ({ headers: { authorization: `Bearer ${user.accessToken}` } });
  const { organization } = await orgs.createOrganization({ name: `Org ${tag}` }, as(owner));
  const orgId = organization!.orgId;
  await orgs.addMember({ orgId, userId: member.userId, role: MemberRole.MEMBER }, as(owner));

  const users = platform.client(UsersService);
  for (const user of [owner, member, outsider, admin]) {
    await eventually(async () => ((await users.getMe({}, as(user))).profile ? true : undefined), `the profile of ${user.email}`);
  }
  await eventually(
    async () => ((await users.getMe({}, as(member))).organizations.length === 1 ? true : undefined),
    "the member's organization in GetMe",
  );
  const notificationId = await eventually(async () => {
    const { notifications } = await platform.client(NotificationsService).listNotifications({}, as(member));
    return notifications[0]?.notificationId;
  }, "the member's notification");

  const aliases = new Map<string, string>();
  const name = (value: string, placeholder: string) => aliases.set(value, placeholder);
  for (const [who, user] of Object.entries({ owner, member, outsider, admin })) {
    name(user.userId, `<${who}-id>`);
    name(user.email, `<${who}-email>`);
  }
  name(orgId, "<org-id>");
  name(notificationId, "<notification-id>");
  name(tag, "<tag>");
  let fresh = 0;
  return {
    tag,
    owner,
    member,
    outsider,
    admin,
    orgId,
    notificationId,
    aliases,
    async freshUser(who) {
      const user = await signUp(platform, email(`${who}${++fresh}`), who);
      name(user.userId, `<${who}-id>`);
      name(user.email, `<${who}-email>`);
      return user;
    },
  };
}
