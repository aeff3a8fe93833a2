// The users service end to end with auth: profile RBAC (own vs someone else's, admins confirmed
// by auth's GetUserRoles), UpdateProfile and its event, deactivation, GetMe's partial answers,
// and role confirmations served from cache while auth is down (denied when there is none).
import test from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { Code } from "@connectrpc/connect";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { UserDeactivatedSchema, UserRoleChangedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { Role } from "@junction/gen/junction/auth/v1/role_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { MemberRole } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { ProfileUpdatedSchema } from "@junction/gen/junction/users/v1/events_pb";
import { MePart, UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { runAdminCommand } from "@junction/auth/admin-cli";
import { bind } from "@junction/platform";
import { standIn } from "./support/stand-in.js";
import { registerAdmin, registerAndLogin, type Account } from "./support/accounts.js";
import { assertRefused } from "./support/errors.js";
import { waitForEvent } from "./support/events.js";
import { eventually, TestPlatform, type ServiceStarter } from "./support/platform.js";
import { startAuth, startUsers } from "./support/services.js";

let platform: TestPlatform;

test.before(async () => {
  platform = await TestPlatform.create();
  await platform.start("auth", startAuth);
  await platform.start("users", startUsers);
});
test.after.always(() => platform?.close());

const users = (on = platform) => on.client(UsersService);

/** An account whose profile users has already created from auth.user.created. */
async function withProfile(on: TestPlatform, account: Promise<Account>): Promise<Account> {
  const ready = await account;
  await eventually(async () => (await users(on).getProfile({ userId: ready.userId }, ready.auth)).profile, "the profile");
  return ready;
}

test("a user reads and edits their own profile; the change is announced as users.profile.updated", async (t) => {
  const ada = await withProfile(platform, registerAndLogin(platform));
  const { profile } = await users().updateProfile(
    {
      userId: ada.userId,
      profile: { displayName: "Ada L.", bio: "Analyst.\nEngine enthusiast.", avatarUrl: "https://example.com/ada.png", locale: "en-gb", timeZone: "Europe/London" },
      updateMask: { paths: ["display_name", "bio", "avatar_url", "locale", "time_zone"] },
    },
    ada.auth,
  );
  t.like(profile, { displayName: "Ada L.", locale: "en-GB", timeZone: "Europe/London", avatarUrl: "https://example.com/ada.png" });
  // Read back through the cache: the update dropped the cached copy.
  t.like((await users().getProfile({ userId: ada.userId }, ada.auth)).profile, { displayName: "Ada L.", bio: "Analyst.\nEngine enthusiast." });

  const event = await waitForEvent(platform.env, ProfileUpdatedSchema, (e) => e.userId === ada.userId);
  t.deepEqual(event.updateMask?.paths, ["display_name", "bio", "avatar_url", "locale", "time_zone"]);
  t.is(event.actorId, ada.userId);

  // Only the masked fields change; empty clears an optional one.
  await users().updateProfile({ userId: ada.userId, profile: { bio: "", displayName: "ignored" }, updateMask: { paths: ["bio"] } }, ada.auth);
  t.like((await users().getProfile({ userId: ada.userId }, ada.auth)).profile, { displayName: "Ada L.", bio: "", locale: "en-GB" });
});

test("a user may neither read nor edit someone else's profile", async (t) => {
  const [ada, bob] = await Promise.all([withProfile(platform, registerAndLogin(platform)), withProfile(platform, registerAndLogin(platform))]);
  await assertRefused(t, users().getProfile({ userId: bob.userId }, ada.auth), Code.PermissionDenied, "ROLE_REQUIRED");
  await assertRefused(
    t,
    users().updateProfile({ userId: bob.userId, profile: { displayName: "Mallory" }, updateMask: { paths: ["display_name"] } }, ada.auth),
    Code.PermissionDenied,
    "ROLE_REQUIRED",
  );
  t.is((await users().getProfile({ userId: bob.userId }, bob.auth)).profile?.displayName, "Test User");
  await assertRefused(t, users().getProfile({ userId: bob.userId }), Code.Unauthenticated, "TOKEN_MISSING");
});

test("an admin, confirmed by auth, reads and edits any profile; the actor is the admin", async (t) => {
  const [admin, bob] = await Promise.all([registerAdmin(platform), withProfile(platform, registerAndLogin(platform))]);
  t.is((await users().getProfile({ userId: bob.userId }, admin.auth)).profile?.userId, bob.userId);
  await users().updateProfile({ userId: bob.userId, profile: { displayName: "Robert" }, updateMask: { paths: ["display_name"] } }, admin.auth);
  t.is((await users().getProfile({ userId: bob.userId }, bob.auth)).profile?.displayName, "Robert");
  const event = await waitForEvent(platform.env, ProfileUpdatedSchema, (e) => e.userId === bob.userId);
  t.is(event.actorId, admin.userId);
});

test("a demoted admin's still-valid token no longer opens other profiles once auth.user.role_changed arrives", async (t) => {
  const [admin, bob] = await Promise.all([registerAdmin(platform), withProfile(platform, registerAndLogin(platform))]);
  await users().getProfile({ userId: bob.userId }, admin.auth); // confirmed and cached
  await runAdminCommand(["revoke-admin", admin.email], platform.env);
  await waitForEvent(platform.env, UserRoleChangedSchema, (e) => e.userId === admin.userId && !e.roles.includes(Role.ADMIN));
  const denied = await eventually(
    () => users().getProfile({ userId: bob.userId }, admin.auth).then(() => undefined, (error: unknown) => error),
    "the cached admin role to be dropped",
  );
  t.like(denied, { code: Code.PermissionDenied });
});

test("SetUserRoles needs service credentials and a forwarded admin; it announces auth.user.role_changed", async (t) => {
  const [admin, bob] = await Promise.all([registerAdmin(platform), registerAndLogin(platform)]);
  const request = { userId: bob.userId, roles: [Role.USER, Role.ADMIN] };
  await assertRefused(t, platform.client(InternalAuthService).setUserRoles(request, admin.auth), Code.Unauthenticated, "SERVICE_CREDENTIALS_REQUIRED");
  const internal = platform.serviceClient(InternalAuthService, "users");
  await assertRefused(t, internal.setUserRoles(request, bob.auth), Code.PermissionDenied, "ROLE_REQUIRED");
  await assertRefused(t, internal.setUserRoles(request), Code.Unauthenticated, "TOKEN_MISSING");

  t.deepEqual((await internal.setUserRoles(request, admin.auth)).roles, [Role.USER, Role.ADMIN]);
  const changed = await waitForEvent(platform.env, UserRoleChangedSchema, (e) => e.userId === bob.userId);
  t.like(changed, { actorId: admin.userId, roles: [Role.USER, Role.ADMIN], previousRoles: [Role.USER] });
  t.like(await internal.getUserRoles({ userId: bob.userId }), { roles: [Role.USER, Role.ADMIN], active: true });
  t.like(await internal.lookupUser({ userId: bob.userId }), { email: bob.email, emailVerified: false, active: true });
  await assertRefused(t, internal.lookupUser({ userId: "00000000-0000-4000-8000-000000000000" }), Code.NotFound, "USER_NOT_FOUND");
});

test("deactivation revokes the sessions, removes the profile's personal data and refuses logins", async (t) => {
  const [admin, bob] = await Promise.all([registerAdmin(platform), withProfile(platform, registerAndLogin(platform))]);
  const internal = platform.serviceClient(InternalAuthService, "users");
  await internal.deactivateUser({ userId: bob.userId, reason: "spam" }, admin.auth);
  await internal.deactivateUser({ userId: bob.userId, reason: "spam" }, admin.auth); // idempotent

  await assertRefused(t, users().getMe({}, bob.auth), Code.Unauthenticated, "SESSION_REVOKED");
  await assertRefused(t, platform.client(AuthService).login({ email: bob.email, password: bob.password }), Code.PermissionDenied, "ACCOUNT_DEACTIVATED");
  await waitForEvent(platform.env, UserDeactivatedSchema, (e) => e.userId === bob.userId);
  await eventually(
    () => users().getProfile({ userId: bob.userId }, admin.auth).then(() => undefined, (error: unknown) => error),
    "the profile to be removed",
  );
  const [row] = await platform.query<{ email: string; display_name: string; deactivated: boolean }>(
    "users",
    "SELECT email, display_name, deactivated_at IS NOT NULL AS deactivated FROM profiles WHERE user_id = $1",
    [bob.userId],
  );
  t.deepEqual(row, { email: "", display_name: "", deactivated: true });
  t.like(await internal.getUserRoles({ userId: bob.userId }), { active: false });
});

test("GetMe with orgs down: identity and profile, and ORGANIZATIONS listed as unavailable", async (t) => {
  const ada = await withProfile(platform, registerAndLogin(platform));
  const me = await users().getMe({}, ada.auth);
  t.like(me.identity, { userId: ada.userId, sessionId: ada.session.sessionId, roles: [Role.USER] });
  t.is(me.profile?.userId, ada.userId);
  t.deepEqual(me.organizations, []);
  t.deepEqual(me.unavailable, [MePart.ORGANIZATIONS]);
});

/** A stand-in orgs service hosted by the runtime, answering ListUserOrganizations after `delayMs`. */
function fakeOrgs(delayMs: number): ServiceStarter {
  return standIn("orgs", [
    bind(InternalOrgsService, {
      async listUserOrganizations(req) {
        await sleep(delayMs);
        return { organizations: [{ organization: { orgId: "org-1", name: `Org of ${req.userId.slice(0, 4)}` }, role: MemberRole.OWNER }] };
      },
    }),
  ]);
}

test("GetMe composes organizations when orgs answers, and answers partially within the caller's deadline when orgs is slow", async (t) => {
  const own = await TestPlatform.create(t);
  await own.start("auth", startAuth);
  await own.start("users", startUsers);
  const ada = await withProfile(own, registerAndLogin(own));

  await own.start("orgs", fakeOrgs(0));
  const full = await users(own).getMe({}, ada.auth);
  t.deepEqual(full.unavailable, []);
  t.like(full.organizations[0], { orgId: "org-1", role: "owner" });

  await own.restart("orgs", fakeOrgs(5_000));
  const started = Date.now();
  const partial = await users(own).getMe({}, { ...ada.auth, timeoutMs: 800 });
  const took = Date.now() - started;
  t.true(took < 800, `answered in ${took} ms, inside the 800 ms deadline`);
  t.deepEqual(partial.unavailable, [MePart.ORGANIZATIONS]);
  t.is(partial.profile?.userId, ada.userId);
});

test("with auth down, an admin's confirmed roles are served from cache; with no cache the request is UNAVAILABLE", async (t) => {
  // Roles are re-confirmed on every request (fresh for 0 s), so the cache only stands in for auth.
  const own = await TestPlatform.create(t, { JUNCTION_ROLES_CACHE_TTL: "0s" });
  await own.start("auth", startAuth);
  await own.start("users", startUsers);
  const [admin, otherAdmin, bob] = await Promise.all([registerAdmin(own), registerAdmin(own), withProfile(own, registerAndLogin(own))]);
  await users(own).getProfile({ userId: bob.userId }, admin.auth); // confirmed by auth, cached
  await users(own).getMe({}, otherAdmin.auth); // users has the key set; otherAdmin's roles are not cached

  await own.stop("auth");
  t.is((await users(own).getProfile({ userId: bob.userId }, admin.auth)).profile?.userId, bob.userId, "served from the cached confirmation");
  await assertRefused(t, users(own).getProfile({ userId: bob.userId }, otherAdmin.auth), Code.Unavailable, "ROLES_UNAVAILABLE");
  t.is((await users(own).getProfile({ userId: bob.userId }, bob.auth)).profile?.userId, bob.userId, "own profile needs no confirmation");

  await own.redis.del(...(await own.redis.keys(`${own.env.JUNCTION_REDIS_NAMESPACE}:cache:roles:*`)));
  await assertRefused(t, users(own).getProfile({ userId: bob.userId }, admin.auth), Code.Unavailable, "ROLES_UNAVAILABLE");
});
