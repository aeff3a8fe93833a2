// Email over SMTP, end to end: the real auth and notifications services deliver through a
// test SMTP server that accepts, refuses for good (5xx) or refuses for now (4xx). Transient
// failures are retried by the event backbone's redelivery; a permanent refusal, or running out
// of deliveries, is recorded as a failed delivery instead of being lost or retried forever.
import test from "ava";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { linkIn, parseMail } from "./support/mail-outbox.js";
import { eventually, type TestPlatform } from "./support/platform.js";
import { sharedPlatform } from "./support/shared-platform.js";
import { TEST_PASSWORD } from "./support/signed-in-users.js";
import { startSmtpServer, type TestSmtpServer } from "./support/smtp-server.js";
import { startAuth, startNotifications } from "./support/services.js";

let platform: TestPlatform;
let closePlatform: () => Promise<void>;
let smtp: TestSmtpServer;
const teardowns: Array<() => unknown> = [];

test.before(async () => {
  // 5xx for bounce-*, 4xx on the first try for later-*, 4xx always for down-*.
  smtp = await startSmtpServer({ teardown: (step) => void teardowns.push(step) }, (address, attempt) => {
    if (address.startsWith("bounce-")) return "550 5.1.1 no such mailbox";
    if (address.startsWith("later-") && attempt === 1) return "451 4.3.0 try again later";
    if (address.startsWith("down-")) return "451 4.3.0 try again later";
    return "250 OK";
  });
  ({ platform, close: closePlatform } = await sharedPlatform({ JUNCTION_SMTP_URL: smtp.url }));
  await platform.start("auth", startAuth);
  // Started last: its consumers' redelivery policy (3 deliveries, short backoff) is the one in force.
  await platform.start("notifications", (options) => startNotifications({ ...options, consumerSettings: { maxDeliver: 3, backoffMs: [150, 300] } }));
});

test.after.always(async () => {
  await closePlatform?.();
  for (const step of teardowns) await step();
});

async function register(prefix: string): Promise<{ userId: string; email: string }> {
  const email = `${prefix}-${Date.now()}@example.com`;
  const { userId } = await platform.client(AuthService).register({ email, password: TEST_PASSWORD, displayName: prefix });
  return { userId, email };
}

function delivery(userId: string) {
  return platform.query<{ status: string; attempts: number; transport: string; last_error: string | null; recipient: string }>(
    "notifications",
    "SELECT status, attempts, transport, last_error, recipient FROM deliveries WHERE user_id = $1 AND kind = 'email_verification'",
    [userId],
  );
}

test("with JUNCTION_SMTP_URL set, the verification email goes out over SMTP", async (t) => {
  const { userId, email } = await register("smtp");
  const mail = await eventually(async () => smtp.received.find((m) => m.to.includes(email)), "the SMTP delivery");
  const parsed = parseMail("smtp", mail.data);
  t.is(parsed.headers.subject, "Verify your email address");
  t.truthy(linkIn(parsed, "http://localhost:8080/verify-email?token=").searchParams.get("token"));
  // The row commits just after the server accepted the message.
  const [row] = await eventually(async () => ((await delivery(userId))[0]?.status === "sent" ? delivery(userId) : undefined), "the sent delivery");
  t.like(row, { transport: "smtp", attempts: 1 });
});

test("a permanent refusal (5xx) is recorded as failed at once, without retries", async (t) => {
  const { userId, email } = await register("bounce");
  const [row] = await eventually(async () => {
    const rows = await delivery(userId);
    return rows[0]?.status === "failed" ? rows : undefined;
  }, "the failed delivery");
  t.like(row, { attempts: 1, recipient: email, transport: "smtp" });
  t.regex(row!.last_error ?? "", /550/);
  t.is(smtp.attempts.get(email), 1);
});

test("a transient refusal (4xx) is retried by redelivery and then succeeds", async (t) => {
  const { userId, email } = await register("later");
  const [row] = await eventually(async () => {
    const rows = await delivery(userId);
    return rows[0]?.status === "sent" ? rows : undefined;
  }, "the delivery after a retry");
  t.like(row, { attempts: 2, last_error: null });
  t.is(smtp.attempts.get(email), 2);
  t.is(smtp.received.filter((m) => m.to.includes(email)).length, 1);
});

test("a delivery still failing on the event's last delivery is recorded as failed, not lost", async (t) => {
  const { userId, email } = await register("down");
  const [row] = await eventually(async () => {
    const rows = await delivery(userId);
    return rows[0]?.status === "failed" ? rows : undefined;
  }, "the failed delivery");
  t.like(row, { attempts: 3, recipient: email });
  t.regex(row!.last_error ?? "", /451/);
  t.is(smtp.attempts.get(email), 3);
});
