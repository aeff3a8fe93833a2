// Every input field of auth and users, public and internal: bad values (empty, too long, wrong
// format, unknown enum) answer INVALID_ARGUMENT with a BadRequest naming the proto field, and
// nothing is written — no row, no event.
import test from "ava";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { Role } from "@junction/gen/junction/auth/v1/role_pb";
import { UsersService, type Profile } from "@junction/gen/junction/users/v1/users_service_pb";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ProfileSchema } from "@junction/gen/junction/users/v1/users_service_pb";
import { PASSWORD, registerAdmin, registerAndLogin, uniqueEmail, type Account } from "./support/accounts.js";
import { assertInvalid } from "./support/errors.js";
import { eventually, TestPlatform } from "./support/platform.js";
import { startAuth, startUsers } from "./support/services.js";

let platform: TestPlatform;
let ada: Account;
let admin: Account;

test.before(async () => {
  platform = await TestPlatform.create();
  await platform.start("auth", startAuth);
  await platform.start("users", startUsers);
  [ada, admin] = await Promise.all([registerAndLogin(platform, { displayName: "Ada" }), registerAdmin(platform)]);
  await eventually(async () => (await platform.client(UsersService).getProfile({ userId: ada.userId }, ada.auth)).profile, "Ada's profile");
});
test.after.always(() => platform?.close());

const long = (n: number, c = "a") => c.repeat(n);
const count = async (service: "auth" | "users", sql: string) => (await platform.query<{ n: number }>(service, sql))[0]!.n;
/** How many rows auth and users hold: users, tokens, profiles and events. */
const snapshot = async () => ({
  users: await count("auth", "SELECT count(*)::int AS n FROM users"),
  emailTokens: await count("auth", "SELECT count(*)::int AS n FROM email_tokens"),
  authEvents: await count("auth", "SELECT count(*)::int AS n FROM junction_events.outbox"),
  profiles: await count("users", "SELECT count(*)::int AS n FROM profiles WHERE updated_at <> created_at"),
  usersEvents: await count("users", "SELECT count(*)::int AS n FROM junction_events.outbox"),
});

// Serial: each case compares row counts before and after, which concurrent writes would blur.
test.serial("Register: bad email, password and display_name values are named; nothing is written", async (t) => {
  const auth = platform.client(AuthService);
  const good = { email: uniqueEmail("valid"), password: PASSWORD, displayName: "Valid Name" };
  const cases: Array<[Partial<typeof good>, string[]]> = [
    [{ email: "" }, ["email"]],
    [{ email: "   " }, ["email"]],
    [{ email: "no-at-sign.example.com" }, ["email"]],
    [{ email: "two@@example.com" }, ["email"]],
    [{ email: "nodot@localhost" }, ["email"]],
    [{ email: "spaces in@example.com" }, ["email"]],
    [{ email: `${long(64)}@${long(63, "b")}.${long(63, "c")}.${long(60, "d")}.com` }, ["email"]],
    [{ email: `${long(65)}@example.com` }, ["email"]],
    [{ password: "" }, ["password"]],
    [{ password: "short-1" }, ["password"]],
    [{ password: long(129, "a1") }, ["password"]],
    [{ password: "aaaaaaaaaaaa" }, ["password"]],
    [{ password: "12345678901" }, ["password"]],
    [{ displayName: "" }, ["display_name"]],
    [{ displayName: "    " }, ["display_name"]],
    [{ displayName: long(81) }, ["display_name"]],
    [{ displayName: "bell\u0007name" }, ["display_name"]],
    [{ displayName: "line\nbreak" }, ["display_name"]],
    [{ email: "", password: "", displayName: "" }, ["email", "password", "display_name"]],
  ];
  const before = await snapshot();
  for (const [bad, fields] of cases) await assertInvalid(t, auth.register({ ...good, ...bad }), fields, JSON.stringify(bad));
  t.deepEqual(await snapshot(), before);
});

test.serial("Login, Refresh, VerifyEmail, RequestPasswordReset, ResetPassword: bad values are named; nothing is written", async (t) => {
  const auth = platform.client(AuthService);
  const before = await snapshot();
  await assertInvalid(t, auth.login({ email: "", password: PASSWORD }), ["email"]);
  await assertInvalid(t, auth.login({ email: ada.email, password: "" }), ["password"]);
  await assertInvalid(t, auth.refresh({ refreshToken: "" }), ["refresh_token"]);
  await assertInvalid(t, auth.verifyEmail({ token: "" }), ["token"]);
  await assertInvalid(t, auth.verifyEmail({ token: "not-a-real-token" }), ["token"]);
  await assertInvalid(t, auth.requestPasswordReset({ email: "" }), ["email"]);
  await assertInvalid(t, auth.requestPasswordReset({ email: "not-an-email" }), ["email"]);
  await assertInvalid(t, auth.requestPasswordReset({ email: `${long(250)}@example.com` }), ["email"]);
  await assertInvalid(t, auth.resetPassword({ token: "", newPassword: "" }), ["token", "new_password"]);
  await assertInvalid(t, auth.resetPassword({ token: "whatever", newPassword: "short" }), ["new_password"]);
  await assertInvalid(t, auth.resetPassword({ token: "whatever", newPassword: long(129, "b2") }), ["new_password"]);
  await assertInvalid(t, auth.resetPassword({ token: "not-a-real-token", newPassword: "a-good-password-1" }), ["token"]);
  t.deepEqual(await snapshot(), before);
});

test.serial("InternalAuthService: bad user ids, empty or unknown roles, long reasons, a foreign actor are named; nothing is written", async (t) => {
  const internal = platform.serviceClient(InternalAuthService, "users");
  const before = await snapshot();
  for (const userId of ["", "not-a-uuid", "123"]) {
    await assertInvalid(t, internal.getUserRoles({ userId }), ["user_id"], `GetUserRoles ${userId}`);
    await assertInvalid(t, internal.lookupUser({ userId }), ["user_id"], `LookupUser ${userId}`);
    await assertInvalid(t, internal.setUserRoles({ userId, roles: [Role.USER] }, admin.auth), ["user_id"], `SetUserRoles ${userId}`);
    await assertInvalid(t, internal.deactivateUser({ userId, reason: "x" }, admin.auth), ["user_id"], `DeactivateUser ${userId}`);
  }
  await assertInvalid(t, internal.setUserRoles({ userId: ada.userId, roles: [] }, admin.auth), ["roles"]);
  await assertInvalid(t, internal.setUserRoles({ userId: ada.userId, roles: [Role.UNSPECIFIED] }, admin.auth), ["roles"]);
  await assertInvalid(t, internal.setUserRoles({ userId: ada.userId, roles: [Role.USER, 99 as Role] }, admin.auth), ["roles"], "unknown enum");
  await assertInvalid(t, internal.setUserRoles({ userId: ada.userId, roles: [Role.USER], actorId: ada.userId }, admin.auth), ["actor_id"]);
  await assertInvalid(t, internal.deactivateUser({ userId: admin.userId, reason: long(201) }, admin.auth), ["reason"]);
  t.deepEqual(await snapshot(), before);
});

test.serial("UpdateProfile: a missing or foreign update_mask and every bad field value are named; nothing is written", async (t) => {
  const users = platform.client(UsersService);
  type ProfileInit = MessageInitShape<typeof ProfileSchema>;
  const update = (profile: ProfileInit | undefined, paths: string[] | undefined, userId = ada.userId) =>
    users.updateProfile({ userId, profile, updateMask: paths === undefined ? undefined : { paths } }, ada.auth);
  const cases: Array<[ProfileInit | undefined, string[] | undefined, string[]]> = [
    [{ displayName: "x" }, undefined, ["update_mask"]],
    [{ displayName: "x" }, [], ["update_mask"]],
    [{ email: "evil@example.com" }, ["email"], ["update_mask"]],
    [{ emailVerified: true }, ["email_verified"], ["update_mask"]],
    [{}, ["favourite_colour"], ["update_mask"]],
    [undefined, ["display_name"], ["profile"]],
    [{ displayName: "" }, ["display_name"], ["profile.display_name"]],
    [{ displayName: "   " }, ["display_name"], ["profile.display_name"]],
    [{ displayName: long(81) }, ["display_name"], ["profile.display_name"]],
    [{ displayName: "tab\tname" }, ["display_name"], ["profile.display_name"]],
    [{ bio: long(501) }, ["bio"], ["profile.bio"]],
    [{ bio: "null\u0000byte" }, ["bio"], ["profile.bio"]],
    [{ avatarUrl: "http://example.com/a.png" }, ["avatar_url"], ["profile.avatar_url"]],
    [{ avatarUrl: "not a url" }, ["avatar_url"], ["profile.avatar_url"]],
    [{ avatarUrl: "javascript:alert(1)" }, ["avatar_url"], ["profile.avatar_url"]],
    [{ avatarUrl: "https://user:secret@example.com/a.png" }, ["avatar_url"], ["profile.avatar_url"]],
    [{ avatarUrl: `https://example.com/${long(2030)}` }, ["avatar_url"], ["profile.avatar_url"]],
    [{ locale: "english" }, ["locale"], ["profile.locale"]],
    [{ locale: "e" }, ["locale"], ["profile.locale"]],
    [{ locale: "en_US" }, ["locale"], ["profile.locale"]],
    [{ locale: `en-${long(40)}` }, ["locale"], ["profile.locale"]],
    [{ timeZone: "Mars/Olympus_Mons" }, ["time_zone"], ["profile.time_zone"]],
    [{ timeZone: "+01:00" }, ["time_zone"], ["profile.time_zone"]],
    [{ timeZone: long(65) }, ["time_zone"], ["profile.time_zone"]],
    [
      { displayName: "", bio: long(501), avatarUrl: "ftp://x", locale: "??", timeZone: "Nowhere" },
      ["display_name", "bio", "avatar_url", "locale", "time_zone"],
      ["profile.display_name", "profile.bio", "profile.avatar_url", "profile.locale", "profile.time_zone"],
    ],
  ];
  const before = await snapshot();
  const profileBefore = (await users.getProfile({ userId: ada.userId }, ada.auth)).profile as Profile;
  for (const [profile, paths, fields] of cases) await assertInvalid(t, update(profile, paths), fields, JSON.stringify({ profile, paths }));
  for (const userId of ["", "not-a-uuid"]) {
    await assertInvalid(t, update({ displayName: "x" }, ["display_name"], userId), ["user_id"], `user_id ${userId}`);
    await assertInvalid(t, users.getProfile({ userId }, ada.auth), ["user_id"], `GetProfile ${userId}`);
  }
  t.deepEqual(await snapshot(), before);
  t.deepEqual((await users.getProfile({ userId: ada.userId }, ada.auth)).profile, profileBefore);
});
