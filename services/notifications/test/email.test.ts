// Rendering and the local mail outbox without the service: links and escaping in both bodies,
// .eml files that parse as mail, retries overwriting their own file, and which SMTP failures
// are worth retrying.
import test from "ava";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Role } from "@junction/gen/junction/auth/v1/role_pb";
import { MemberRole } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { MailOutbox } from "../src/email/mail-outbox.js";
import { isPermanentMailError, type OutgoingEmail } from "../src/email/mail-transport.js";
import { escapeHtml, passwordResetEmail, verificationEmail } from "../src/email/templates.js";
import { memberAddedNotice, rolesChangedNotice } from "../src/notices.js";

test("the verification email carries the link in both bodies and escapes the name in HTML", (t) => {
  const link = "https://junction.example/verify-email?token=abc%2Bdef&x=1";
  const email = verificationEmail({ displayName: "<Ada & Co>", email: "ada@example.com", link, expires: new Date("2026-06-03T10:00:00Z") });
  t.is(email.subject, "Verify your email address");
  t.true(email.text.includes(link));
  t.true(email.text.includes("Hi <Ada & Co>,"));
  t.true(email.text.includes("expires at 2026-06-03 10:00 UTC"));
  t.true(email.html.includes(`href="${escapeHtml(link)}"`));
  t.true(email.html.includes("Hi &lt;Ada &amp; Co&gt;,"));
  t.false(email.html.includes("<Ada"));
});

test("the reset email names what happens when it was not you", (t) => {
  const email = passwordResetEmail({ displayName: "Ada", email: "ada@example.com", link: "http://localhost:8080/reset-password?token=t" });
  t.is(email.subject, "Reset your Junction password");
  t.regex(email.text, /reset-password\?token=t/);
  t.regex(email.text, /your password stays as it is/);
});

test("notices say what changed", (t) => {
  t.deepEqual(memberAddedNotice("Acme", MemberRole.ADMIN), { title: "You were added to Acme", body: "You are now an admin of the organization Acme." });
  t.is(rolesChangedNotice([Role.USER, Role.ADMIN], [Role.USER]).body, "You are now an administrator. Your roles: user, administrator.");
  t.is(rolesChangedNotice([Role.USER], [Role.USER, Role.ADMIN]).body, "You are no longer an administrator. Your roles: user.");
});

test("the mail outbox writes one .eml per delivery; a retry overwrites it", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "junction-outbox-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const outbox = await MailOutbox.open(join(dir, "nested", "mail"));
  const email: OutgoingEmail = {
    from: "Junction <no-reply@junction.localhost>",
    to: "ada@example.com",
    subject: "Verify your email address",
    text: "Hi Ada — verify: http://localhost:8080/verify-email?token=abc",
    html: "<p>Hi Ada</p>",
    messageId: "<e1.email_verification@junction.notifications>",
    name: "20260601T120000.123Z-email_verification-e1",
    headers: { "X-Junction-Kind": "email_verification" },
  };
  await outbox.send(email);
  await outbox.send({ ...email, subject: "Verify your email address (again)" });
  const files = await readdir(outbox.dir);
  t.deepEqual(files, ["20260601T120000.123Z-email_verification-e1.eml"]);
  const raw = await readFile(outbox.fileOf(email.name), "utf8");
  t.regex(raw, /^To: ada@example\.com$/m);
  t.regex(raw, /^Subject: Verify your email address \(again\)$/m);
  t.regex(raw, /^Message-ID: <e1\.email_verification@junction\.notifications>$/m);
  t.regex(raw, /^X-Junction-Kind: email_verification$/m);
  t.regex(raw, /multipart\/alternative/);
});

test("5xx replies and envelope errors are permanent; connection failures and 4xx are not", (t) => {
  t.true(isPermanentMailError(Object.assign(new Error("no such mailbox"), { code: "EENVELOPE", responseCode: 550 })));
  t.true(isPermanentMailError(Object.assign(new Error("no recipients"), { code: "EENVELOPE" })));
  t.false(isPermanentMailError(Object.assign(new Error("try later"), { code: "EENVELOPE", responseCode: 451 })));
  t.false(isPermanentMailError(Object.assign(new Error("refused"), { code: "ESOCKET" })));
  t.false(isPermanentMailError(new Error("anything else")));
});
