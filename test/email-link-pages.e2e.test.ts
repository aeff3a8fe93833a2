// The links in auth's emails lead somewhere: /verify-email completes the verification and
// /reset-password shows a form that sets the new password, as plain HTML pages served by auth
// (and routed by both edges, see edge tests). Bad tokens and weak passwords are 400 pages.
import test from "ava";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { PASSWORD, registerAndLogin, resetToken, verificationToken } from "./support/accounts.js";
import { eventually, TestPlatform } from "./support/platform.js";
import { startAuth, startUsers } from "./support/services.js";

let platform: TestPlatform;

test.before(async () => {
  platform = await TestPlatform.create(undefined);
  await platform.start("auth", startAuth);
  await platform.start("users", startUsers);
});
test.after.always(() => platform?.close());

const page = async (path: string, init?: RequestInit) => {
  const res = await fetch(`${platform.url("auth")}${path}`, init);
  return { status: res.status, type: res.headers.get("content-type"), csp: res.headers.get("content-security-policy"), html: await res.text() };
};

test("the verification link verifies the address once; a bad or used link is a 400 page", async (t) => {
  const account = await registerAndLogin(platform);
  const token = await verificationToken(platform, account.userId);
  const verified = await page(`/verify-email?token=${encodeURIComponent(token)}`);
  t.is(verified.status, 200);
  t.regex(verified.type ?? "", /^text\/html/);
  t.regex(verified.html, /Email address verified/);
  await eventually(async () => ((await platform.client(UsersService).getProfile({ userId: account.userId }, account.auth)).profile?.emailVerified ? true : undefined), "the profile to be verified");
  t.is((await page(`/verify-email?token=${encodeURIComponent(token)}`)).status, 400, "used");
  const forged = await page(`/verify-email?token=${encodeURIComponent('<script>alert(1)</script>')}`);
  t.is(forged.status, 400);
  t.false(forged.html.includes("<script>"), "nothing from the request is echoed unescaped");
  t.is(forged.csp, "default-src 'none'; form-action 'self'");
  t.is((await page("/verify-email")).status, 400, "no token");
});

test("the reset link shows a form; a weak password is refused on the page; a good one resets and signs every session out", async (t) => {
  const account = await registerAndLogin(platform);
  await platform.client(AuthService).requestPasswordReset({ email: account.email });
  const token = await resetToken(platform, account.userId);
  const form = await page(`/reset-password?token=${encodeURIComponent(token)}`);
  t.is(form.status, 200);
  t.regex(form.html, /<form method="post" action="\/reset-password">/);
  t.true(form.html.includes(`value="${token}"`));

  const post = (fields: Record<string, string>) => page("/reset-password", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields) });
  const weak = await post({ token, new_password: "short" });
  t.is(weak.status, 400);
  t.regex(weak.html, /role="alert"/);
  const done = await post({ token, new_password: "brand-new-secret-7" });
  t.is(done.status, 200);
  t.regex(done.html, /Password changed/);
  await t.throwsAsync(platform.client(AuthService).login({ email: account.email, password: PASSWORD }));
  await t.notThrowsAsync(platform.client(AuthService).login({ email: account.email, password: "brand-new-secret-7" }));
  t.is((await post({ token, new_password: "another-secret-8" })).status, 400, "the link works once");
  t.is((await page("/reset-password", { method: "DELETE" })).status, 405);
  t.is((await post({ token: "x".repeat(5000), new_password: "y" })).status, 413);
});
