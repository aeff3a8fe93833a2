// Auth end to end, with users beside it: registration to profile, sessions and tokens (login,
// refresh rotation, reuse detection, logout refused by users), email verification, password
// reset, login throttling, the JWKS, and the admin bootstrap. Real services, NATS, Redis and
// Postgres; one deployment shared by this file's tests, each test with its own accounts.
import test from "ava";
import { Code } from "@connectrpc/connect";
import { RetryInfoSchema } from "@junction/gen/google/rpc/error_details_pb";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { UserCreatedSchema, UserRoleChangedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { Role } from "@junction/gen/junction/auth/v1/role_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { bearer, PASSWORD, registerAdmin, registerAndLogin, resetToken, signIn, uniqueEmail, verificationToken } from "./support/accounts.js";
import { assertInvalid, assertRefused } from "./support/errors.js";
import { waitForEvent } from "./support/events.js";
import { eventually, TestPlatform } from "./support/platform.js";
import { startAuth, startUsers } from "./support/services.js";

let platform: TestPlatform;

test.before(async () => {
  platform = await TestPlatform.create(undefined, {
    JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT_CLIENT: "3",
    JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_ACCOUNT: "6",
    JUNCTION_AUTH_LOGIN_MAX_FAILURES_PER_IP: "6",
  });
  await platform.start("auth", startAuth);
  await platform.start("users", startUsers);
});
test.after.always(() => platform?.close());

const auth = () => platform.client(AuthService);
const users = () => platform.client(UsersService);

test("register: the profile appears in users from auth.user.created, with the normalised email", async (t) => {
  const email = uniqueEmail("Ada").toUpperCase();
  const { userId } = await auth().register({ email: `  ${email} `, password: PASSWORD, displayName: " Ada Lovelace " });
  const created = await waitForEvent(platform.env, UserCreatedSchema, (e) => e.userId === userId);
  t.is(created.email, email.toLowerCase());

  const account = await signIn(platform, { userId, email, password: PASSWORD, displayName: "Ada Lovelace" });
  const profile = await eventually(async () => (await users().getProfile({ userId }, account.auth)).profile, "the profile", 10_000);
  t.like(profile, { userId, email: email.toLowerCase(), displayName: "Ada Lovelace", emailVerified: false });
});

test("register: a taken email (in any case) is ALREADY_EXISTS EMAIL_TAKEN and writes nothing", async (t) => {
  const account = await registerAndLogin(platform);
  const events = "SELECT count(*)::int AS n FROM junction_events.outbox WHERE data LIKE '%' || $1 || '%'";
  const before = await platform.query("auth", events, [account.email]);
  await assertRefused(t, auth().register({ email: account.email.toUpperCase(), password: "another-pass-1", displayName: "Copy" }), Code.AlreadyExists, "EMAIL_TAKEN");
  t.deepEqual(await platform.query("auth", events, [account.email]), before);
  t.deepEqual(await platform.query("auth", "SELECT count(*)::int AS n FROM users WHERE email = $1", [account.email]), [{ n: 1 }]);
});

test("login: an EdDSA access token with the agreed claims and kid, verifiable with the JWKS", async (t) => {
  const account = await registerAndLogin(platform);
  const { accessToken, expiresIn, sessionId, userId } = account.session;
  const header = decodeProtectedHeader(accessToken);
  const claims = decodeJwt(accessToken);
  t.is(header.alg, "EdDSA");
  t.like(claims, { sub: userId, sid: sessionId, roles: ["ROLE_USER"], iss: "junction-auth", aud: "junction" });
  t.is(claims.exp! - claims.iat!, expiresIn);
  t.is(expiresIn, 900, "15 minutes by default");

  const jwks = (await (await fetch(`${platform.url("auth")}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
  t.like(jwks.keys.find((key) => key.kid === header.kid), { kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
  t.false(jwks.keys.some((key) => "d" in key), "no private part is published");
  const viaRpc = await auth().getJwks({});
  t.deepEqual(viaRpc.keys.map((key) => key.kid), jwks.keys.map((key) => key.kid));
});

test("login: a wrong password and an unknown email get the same INVALID_CREDENTIALS", async (t) => {
  const account = await registerAndLogin(platform);
  await assertRefused(t, auth().login({ email: account.email, password: "wrong-password-1" }), Code.Unauthenticated, "INVALID_CREDENTIALS");
  await assertRefused(t, auth().login({ email: uniqueEmail("nobody"), password: PASSWORD }), Code.Unauthenticated, "INVALID_CREDENTIALS");
});

test("refresh rotates the refresh token; the old one is single-use and its reuse revokes the whole session", async (t) => {
  const account = await registerAndLogin(platform);
  const first = account.session;
  const second = await auth().refresh({ refreshToken: first.refreshToken });
  t.is(second.sessionId, first.sessionId);
  t.is(second.userId, first.userId);
  t.not(second.refreshToken, first.refreshToken);
  const third = await auth().refresh({ refreshToken: second.refreshToken });
  await users().getMe({}, bearer(third.accessToken));

  // Someone replays the first token: the family is revoked, whoever holds the newest one.
  await assertRefused(t, auth().refresh({ refreshToken: first.refreshToken }), Code.Unauthenticated, "REFRESH_TOKEN_REUSED");
  await assertRefused(t, auth().refresh({ refreshToken: third.refreshToken }), Code.Unauthenticated, "SESSION_REVOKED");
  await assertRefused(t, users().getMe({}, bearer(third.accessToken)), Code.Unauthenticated, "SESSION_REVOKED");
  await assertRefused(t, auth().refresh({ refreshToken: "made-up" }), Code.Unauthenticated, "REFRESH_TOKEN_INVALID");
});

test("logout revokes the session: users refuses its still-unexpired access token, refresh fails, other sessions live on", async (t) => {
  const account = await registerAndLogin(platform);
  const other = await signIn(platform, account);
  await users().getMe({}, account.auth);

  await auth().logout({}, account.auth);
  await assertRefused(t, users().getMe({}, account.auth), Code.Unauthenticated, "SESSION_REVOKED");
  await assertRefused(t, auth().logout({}, account.auth), Code.Unauthenticated, "SESSION_REVOKED");
  await assertRefused(t, auth().refresh({ refreshToken: account.session.refreshToken }), Code.Unauthenticated, "SESSION_REVOKED");
  await assertRefused(t, auth().logout({}), Code.Unauthenticated, "TOKEN_MISSING");
  t.truthy((await users().getMe({}, other.auth)).identity);
});

test("verify email: the token from the event flips the profile's email_verified; it works once", async (t) => {
  const account = await registerAndLogin(platform);
  const token = await verificationToken(platform, account.userId);
  await eventually(async () => (await users().getProfile({ userId: account.userId }, account.auth)).profile, "the profile");

  t.is((await auth().verifyEmail({ token })).userId, account.userId);
  const verified = await eventually(
    async () => ((await users().getProfile({ userId: account.userId }, account.auth)).profile?.emailVerified ? true : undefined),
    "email_verified in the profile",
  );
  t.true(verified);
  const again = await assertInvalid(t, auth().verifyEmail({ token }), ["token"]);
  t.regex(again.message, /unknown, expired or already used/);
});

test("password reset: same answer for unknown emails; the token resets once and revokes every session", async (t) => {
  const account = await registerAndLogin(platform);
  const second = await signIn(platform, account);
  t.deepEqual(await auth().requestPasswordReset({ email: uniqueEmail("ghost") }), await auth().requestPasswordReset({ email: account.email }));
  const token = await resetToken(platform, account.userId);

  await auth().resetPassword({ token, newPassword: "brand-new-secret-7" });
  for (const session of [account, second]) {
    await assertRefused(t, users().getMe({}, session.auth), Code.Unauthenticated, "SESSION_REVOKED");
    await assertRefused(t, auth().refresh({ refreshToken: session.session.refreshToken }), Code.Unauthenticated, "SESSION_REVOKED");
  }
  await assertRefused(t, auth().login({ email: account.email, password: PASSWORD }), Code.Unauthenticated, "INVALID_CREDENTIALS");
  await t.notThrowsAsync(auth().login({ email: account.email, password: "brand-new-secret-7" }));
  await assertInvalid(t, auth().resetPassword({ token, newPassword: "yet-another-one-8" }), ["token"]);
});

test("expired reset tokens are refused", async (t) => {
  const account = await registerAndLogin(platform);
  await auth().requestPasswordReset({ email: account.email });
  const token = await resetToken(platform, account.userId);
  await platform.query("auth", "UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1", [account.userId]);
  await assertInvalid(t, auth().resetPassword({ token, newPassword: "brand-new-secret-7" }), ["token"]);
});

/** Auth as the edge calls it: with the edge's service credentials and the client's address. */
const viaEdge = () => platform.serviceClient(AuthService, "edge");
// As the TypeScript edge forwards it: the one address it saw (Envoy sends x-envoy-external-address).
const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });
const randomIp = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}`;

test("failed logins lock out the (account, client) pair with RetryInfo and Retry-After; the owner elsewhere still signs in", async (t) => {
  const account = await registerAndLogin(platform);
  const stranger = randomIp();
  for (let i = 0; i < 3; i++) {
    await assertRefused(t, viaEdge().login({ email: account.email, password: "wrong-password-1" }, from(stranger)), Code.Unauthenticated, "INVALID_CREDENTIALS");
  }
  const error = await assertRefused(t, viaEdge().login({ email: account.email, password: PASSWORD }, from(stranger)), Code.ResourceExhausted, "LOGIN_THROTTLED");
  const retryDelay = Number(error.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds);
  t.true(retryDelay > 0 && retryDelay <= 900);
  t.is(error.metadata.get("retry-after"), String(retryDelay), "Retry-After travels as metadata, for both edges to send");
  await t.notThrowsAsync(viaEdge().login({ email: account.email, password: PASSWORD }, from("192.0.2.10")), "the owner, from their own address");
});

test("a higher per-account bound stops guessing spread over many clients", async (t) => {
  const account = await registerAndLogin(platform);
  for (let i = 0; i < 6; i++) {
    await assertRefused(t, viaEdge().login({ email: account.email, password: "wrong-password-1" }, from(`203.0.113.${i + 1}`)), Code.Unauthenticated, "INVALID_CREDENTIALS");
  }
  await assertRefused(t, viaEdge().login({ email: account.email, password: PASSWORD }, from("203.0.113.99")), Code.ResourceExhausted, "LOGIN_THROTTLED");
});

test("failed logins are throttled per client address across accounts", async (t) => {
  const ip = randomIp();
  for (let i = 0; i < 6; i++) {
    await assertRefused(t, viaEdge().login({ email: uniqueEmail("spray"), password: "wrong-password-1" }, from(ip)), Code.Unauthenticated, "INVALID_CREDENTIALS");
  }
  const account = await registerAndLogin(platform);
  await assertRefused(t, viaEdge().login({ email: account.email, password: PASSWORD }, from(ip)), Code.ResourceExhausted, "LOGIN_THROTTLED");
  await t.notThrowsAsync(viaEdge().login({ email: account.email, password: PASSWORD }, from("192.0.2.1")));
});

test("X-Forwarded-For from a caller that is not the edge is not believed: it cannot lock out that address", async (t) => {
  const account = await registerAndLogin(platform);
  const victim = randomIp();
  for (let i = 0; i < 3; i++) {
    // Straight to auth's port, claiming to be the victim's address.
    await assertRefused(t, auth().login({ email: account.email, password: "wrong-password-1" }, from(victim)), Code.Unauthenticated, "INVALID_CREDENTIALS");
  }
  await assertRefused(t, auth().login({ email: account.email, password: PASSWORD }, from(victim)), Code.ResourceExhausted, "LOGIN_THROTTLED");
  await t.notThrowsAsync(viaEdge().login({ email: account.email, password: PASSWORD }, from(victim)), "the real client at that address, through the edge");
});

test("password-reset emails cool down per address, and the answer never tells whether the account exists", async (t) => {
  const account = await registerAndLogin(platform);
  const ghost = uniqueEmail("ghost");
  for (let i = 0; i < 5; i++) {
    t.deepEqual(await auth().requestPasswordReset({ email: account.email.toUpperCase() }), await auth().requestPasswordReset({ email: ghost }));
  }
  await resetToken(platform, account.userId);
  const issued = await platform.query<{ n: number }>("auth", "SELECT count(*)::int AS n FROM email_tokens WHERE user_id = $1 AND purpose = 'reset_password'", [account.userId]);
  t.deepEqual(issued, [{ n: 1 }], "five requests, one email");
});

test("the admin CLI grants ROLE_ADMIN through the domain: role_changed is announced and the next token carries it", async (t) => {
  const admin = await registerAdmin(platform);
  t.deepEqual(decodeJwt(admin.session.accessToken).roles, ["ROLE_USER", "ROLE_ADMIN"]);
  const changed = await waitForEvent(platform.env, UserRoleChangedSchema, (e) => e.userId === admin.userId);
  t.deepEqual(changed.roles, [Role.USER, Role.ADMIN]);
  t.deepEqual(changed.previousRoles, [Role.USER]);
  t.is(changed.actorId, "admin-cli");
});

test("/readyz of auth and users covers Postgres, Redis and NATS", async (t) => {
  for (const service of ["auth", "users"] as const) {
    const ready = await (await fetch(`${platform.url(service)}/readyz`)).json();
    t.like(ready, { ready: true, checks: { postgres: "ok", redis: "ok", nats: "ok" } }, service);
  }
});

test("the key ring survives restarts: tokens issued before an auth restart are still accepted", async (t) => {
  // A deployment of its own: restarting auth must not disturb the other tests.
  const platform = await TestPlatform.create(t);
  await platform.start("auth", startAuth);
  await platform.start("users", startUsers);
  const account = await registerAndLogin(platform);
  const before = decodeProtectedHeader(account.session.accessToken).kid;
  await platform.restart("auth");
  const after = await signIn(platform, account);
  t.is(decodeProtectedHeader(after.session.accessToken).kid, before);
  const users = platform.client(UsersService);
  t.truthy((await users.getMe({}, account.auth)).identity, "users still accepts the pre-restart token");
  await t.notThrowsAsync(platform.client(AuthService).logout({}, account.auth), "auth verifies it from the stored keys");
  await assertRefused(t, users.getMe({}, account.auth), Code.Unauthenticated, "SESSION_REVOKED");
});
