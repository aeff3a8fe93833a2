// Notifications end to end, with the real auth, orgs and notifications services, NATS, Redis and
// Postgres: the emails registration and password reset produce (and that their links work),
// live notifications over Connect and gRPC-Web across two service instances, and the inbox.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { DeliveryChannel, NotificationDeliveredSchema } from "@junction/gen/junction/notifications/v1/events_pb";
import { NotificationKind, NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { MemberRole, OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { createLogger, errorReason, fieldViolations, type RunningService } from "@junction/platform";
import { waitForEvent } from "./support/events.js";
import { firstOf } from "./support/notification-streams.js";
import { linkIn, readMailOutbox, waitForMail } from "./support/mail-outbox.js";
import { eventually, type TestPlatform } from "./support/platform.js";
import { sharedPlatform } from "./support/shared-platform.js";
import { signIn, signUp, signUpAdmin, TEST_PASSWORD, type SignedInUser } from "./support/signed-in-users.js";
import { startAuth, startNotifications, startOrgs } from "./support/services.js";
import type { NotificationsContext } from "@junction/notifications";

const PUBLIC_URL = "https://junction.example.test";
let platform: TestPlatform;
let closePlatform: () => Promise<void>;
let mailDir: string;
let server: RunningService<NotificationsContext>;
let orgs: Client<typeof OrgsService>;
let notifications: Client<typeof NotificationsService>;

test.before(async () => {
  mailDir = await mkdtemp(join(tmpdir(), "junction-mail-"));
  ({ platform, close: closePlatform } = await sharedPlatform({ JUNCTION_MAIL_DIR: mailDir, JUNCTION_PUBLIC_URL: PUBLIC_URL }));
  await platform.start("auth", startAuth);
  await platform.start("orgs", startOrgs);
  server = (await platform.start("notifications", startNotifications)) as RunningService<NotificationsContext>;
  orgs = platform.client(OrgsService);
  notifications = platform.client(NotificationsService);
});

test.after.always(async () => {
  await closePlatform?.();
  await rm(mailDir, { recursive: true, force: true });
});

const sentTo = (email: string, kind: string) => (mail: { headers: Record<string, string> }) =>
  mail.headers.to === email && mail.headers["x-junction-kind"] === kind;

test("registering sends a verification email whose link verifies the address", async (t) => {
  const auth = platform.client(AuthService);
  const email = `verify-${Date.now()}@example.com`;
  const { userId } = await auth.register({ email, password: TEST_PASSWORD, displayName: "Vera <b>" });

  const mail = await waitForMail(mailDir, sentTo(email, "email_verification"), "the verification email");
  t.is(mail.headers.subject, "Verify your email address");
  t.regex(mail.file, /^\d{8}T\d{6}\.\d{3}Z-email_verification-[0-9a-f-]{36}\.eml$/);
  t.true(mail.decoded.includes("Content-Type: text/plain") && mail.decoded.includes("Content-Type: text/html"));
  t.true(mail.decoded.includes("Hi Vera &lt;b&gt;,"), "the display name is escaped in the HTML part");
  const link = linkIn(mail, `${PUBLIC_URL}/verify-email?token=`);
  const token = link.searchParams.get("token")!;
  t.truthy(token);

  t.deepEqual((await auth.verifyEmail({ token })).userId, userId);
  const reused = await t.throwsAsync(auth.verifyEmail({ token }));
  t.is(ConnectError.from(reused).code, Code.InvalidArgument);

  const rows = await platform.query<{ status: string; transport: string; attempts: number }>(
    "notifications",
    "SELECT status, transport, attempts FROM deliveries WHERE user_id = $1 AND kind = 'email_verification'",
    [userId],
  );
  t.deepEqual(rows, [{ status: "sent", transport: "mail-outbox", attempts: 1 }]);
});

test("a password reset email carries a working reset link", async (t) => {
  const auth = platform.client(AuthService);
  const user = await signUp(platform, "Resetting");
  await auth.requestPasswordReset({ email: user.email });

  const mail = await waitForMail(mailDir, sentTo(user.email, "password_reset"), "the reset email");
  t.is(mail.headers.subject, "Reset your Junction password");
  const token = linkIn(mail, `${PUBLIC_URL}/reset-password?token=`).searchParams.get("token")!;
  await auth.resetPassword({ token, newPassword: "another-horse-7" });

  await signIn(platform, { ...user, password: "another-horse-7" });
  const old = await t.throwsAsync(signIn(platform, user));
  t.is(ConnectError.from(old).code, Code.Unauthenticated);
});

test("an added member's live streams (Connect, gRPC-Web and gRPC, on two instances) receive the notification", async (t) => {
  const owner = await signUp(platform, "Owner");
  const member = await signUp(platform, "Member");
  const { organization } = await orgs.createOrganization({ name: "Live Org" }, owner.auth);

  // A second instance on its own port, same database and events: streams on both must see it,
  // whichever instance handles the event.
  const second = await startNotifications({ env: { ...platform.env, JUNCTION_NOTIFICATIONS_PORT: "0" }, logger: createLogger("notifications-2", platform.env.LOG_LEVEL) });
  t.teardown(() => second.close());
  const stop = new AbortController();
  t.teardown(() => stop.abort());
  const viaConnect = createClient(NotificationsService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }));
  const viaGrpcWeb = createClient(NotificationsService, createGrpcWebTransport({ baseUrl: second.url, httpVersion: "1.1" }));
  const options = { ...member.auth, signal: stop.signal };
  const viaGrpc = createClient(NotificationsService, createGrpcTransport({ baseUrl: second.url }));
  const connectFirst = firstOf(viaConnect.watchNotifications({}, options), 10_000);
  const grpcWebFirst = firstOf(viaGrpcWeb.watchNotifications({}, options), 10_000);
  const grpcFirst = firstOf(viaGrpc.watchNotifications({}, options), 10_000);
  await eventually(
    async () => (server.context.feed.watchers(member.userId) === 1 && second.context.feed.watchers(member.userId) === 2 ? true : undefined),
    "every stream open",
  );

  const added = Date.now();
  await orgs.addMember({ orgId: organization!.orgId, userId: member.userId, role: MemberRole.ADMIN }, owner.auth);
  const [one, two, three] = await Promise.all([connectFirst, grpcWebFirst, grpcFirst]);
  t.log(`live after ${Date.now() - added} ms`);
  for (const notification of [one, two, three]) {
    t.like(notification, { userId: member.userId, kind: NotificationKind.ORG_MEMBER_ADDED, title: "You were added to Live Org" });
    t.is(notification.body, "You are now an admin of the organization Live Org.");
  }
  t.is(one.notificationId, two.notificationId);
  t.is(one.notificationId, three.notificationId);

  const { notifications: inbox } = await notifications.listNotifications({}, member.auth);
  t.deepEqual(inbox.map((n) => n.notificationId), [one.notificationId]);
  const delivered = await waitForEvent(platform.env, NotificationDeliveredSchema, (e) => e.notificationId === one.notificationId);
  t.like(delivered, { userId: member.userId, channel: DeliveryChannel.IN_APP, kind: NotificationKind.ORG_MEMBER_ADDED });
  const email = await waitForMail(mailDir, sentTo(member.email, "org_member_added"), "the member-added email");
  t.is(email.headers.subject, "You were added to Live Org");
});

test("the inbox: newest first, paginated, unread filter; MarkRead is idempotent and only the owner's", async (t) => {
  const owner = await signUp(platform, "Inbox-owner");
  const member = await signUp(platform, "Inbox-member");
  const { organization } = await orgs.createOrganization({ name: "Inbox Org" }, owner.auth);
  const orgId = organization!.orgId;
  for (let i = 0; i < 2; i++) {
    await orgs.addMember({ orgId, userId: member.userId, role: MemberRole.MEMBER }, owner.auth);
    await orgs.removeMember({ orgId, userId: member.userId }, owner.auth);
  }
  const all = await eventually(async () => {
    const page = await notifications.listNotifications({ pageSize: 10 }, member.auth);
    return page.notifications.length === 4 ? page.notifications : undefined;
  }, "four notifications");
  t.deepEqual(
    all.map((n) => n.title),
    ["You were removed from Inbox Org", "You were added to Inbox Org", "You were removed from Inbox Org", "You were added to Inbox Org"],
  );

  const first = await notifications.listNotifications({ pageSize: 3 }, member.auth);
  const rest = await notifications.listNotifications({ pageSize: 3, pageToken: first.nextPageToken }, member.auth);
  t.deepEqual([...first.notifications, ...rest.notifications].map((n) => n.notificationId), all.map((n) => n.notificationId));
  t.is(rest.nextPageToken, "");

  const target = all[1]!;
  const read = await notifications.markRead({ notificationId: target.notificationId }, member.auth);
  t.truthy(read.notification?.readTime);
  const again = await notifications.markRead({ notificationId: target.notificationId }, member.auth);
  t.deepEqual(again.notification?.readTime, read.notification?.readTime, "marking again keeps the first read time");
  const unread = await notifications.listNotifications({ unreadOnly: true }, member.auth);
  t.false(unread.notifications.some((n) => n.notificationId === target.notificationId));
  t.is(unread.notifications.length, 3);

  const stranger = await t.throwsAsync(notifications.markRead({ notificationId: target.notificationId }, owner.auth));
  t.is(ConnectError.from(stranger).code, Code.NotFound);
  t.is(errorReason(stranger), "NOTIFICATION_NOT_FOUND");
  const bad = await t.throwsAsync(notifications.listNotifications({ pageSize: 101, pageToken: first.nextPageToken }, owner.auth));
  t.deepEqual(fieldViolations(bad).map((v) => v.field), ["page_size", "page_token"]);
  const badId = await t.throwsAsync(notifications.markRead({ notificationId: "nope" }, member.auth));
  t.deepEqual(fieldViolations(badId).map((v) => v.field), ["notification_id"]);
  const anonymous = await t.throwsAsync(notifications.listNotifications({}));
  t.is(ConnectError.from(anonymous).code, Code.Unauthenticated);
});

test("a live stream ends at its deadline", async (t) => {
  const user: SignedInUser = await signUp(platform, "Deadline");
  const started = Date.now();
  const client = createClient(NotificationsService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }));
  const error = await t.throwsAsync(async () => {
    for await (const _ of client.watchNotifications({}, { ...user.auth, timeoutMs: 400 })) t.fail("no notification was due");
  });
  t.is(ConnectError.from(error).code, Code.DeadlineExceeded);
  t.true(Date.now() - started < 3000);
  await eventually(async () => (server.context.feed.watchers(user.userId) === 0 ? true : undefined), "the subscription is gone");
});

test("verification and reset emails are email-only; nothing lands in the inbox", async (t) => {
  const user = await signUp(platform, "Quiet");
  await waitForMail(mailDir, sentTo(user.email, "email_verification"), "the verification email");
  const { notifications: inbox } = await notifications.listNotifications({}, user.auth);
  t.deepEqual(inbox, []);
  t.true((await readMailOutbox(mailDir)).length > 0);
});

test("shutting an instance down ends its live streams at once instead of holding the shutdown", async (t) => {
  const user = await signUp(platform, "Shutdown");
  const instance = await startNotifications({ env: { ...platform.env, JUNCTION_NOTIFICATIONS_PORT: "0" }, logger: createLogger("notifications-3", platform.env.LOG_LEVEL) });
  const client = createClient(NotificationsService, createGrpcTransport({ baseUrl: instance.url }));
  const ended = (async () => {
    try {
      for await (const _ of client.watchNotifications({}, user.auth)) t.fail("no notification was due");
      return "ended";
    } catch (error) {
      return ConnectError.from(error).code;
    }
  })();
  await eventually(async () => (instance.context.feed.watchers(user.userId) === 1 ? true : undefined), "the stream open");
  const started = Date.now();
  await instance.close();
  t.true(Date.now() - started < 3000, `closed in ${Date.now() - started} ms`);
  t.is(await ended, "ended");
});

test("a role change reaches the user in the inbox and by email", async (t) => {
  const admin = await signUpAdmin(platform, "Promoted");
  const [notice] = await eventually(async () => {
    const { notifications: inbox } = await notifications.listNotifications({}, admin.auth);
    return inbox.length > 0 ? inbox : undefined;
  }, "the role-change notification");
  t.like(notice, { kind: NotificationKind.ROLE_CHANGED, title: "Your Junction roles changed", body: "You are now an administrator. Your roles: user, administrator." });
  const email = await waitForMail(mailDir, sentTo(admin.email, "role_changed"), "the role-change email");
  t.is(email.headers.subject, "Your Junction roles changed");
});
