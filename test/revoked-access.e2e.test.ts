// Every service honours revoked access, not only auth and users: after logout or deactivation
// the user's still-unexpired access token is refused (401 through the edge, UNAUTHENTICATED
// SESSION_REVOKED on each service's own port), because the runtime's session check is on by
// default for every hosted service; and a demoted admin's token, still claiming ROLE_ADMIN,
// opens nothing admin-only, because every admin decision is confirmed with auth.
import test, { type ExecutionContext } from "ava";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { runAdminCommand } from "@junction/auth";
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { MemberRole, OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { startEdge } from "@junction/edge";
import { createLogger, type ServiceServer } from "@junction/platform";
import { registerAdmin, registerAndLogin, type Account } from "./support/accounts.js";
import { assertRefused } from "./support/errors.js";
import { eventually, TestPlatform } from "./support/platform.js";
import { startAudit, startAuth, startNotifications, startOrgs, startUsers } from "./support/services.js";

let platform: TestPlatform;
let edge: ServiceServer;
let mailDir: string;

test.before(async () => {
  mailDir = await mkdtemp(join(tmpdir(), "junction-revoked-mail-"));
  platform = await TestPlatform.create(undefined, { JUNCTION_MAIL_DIR: mailDir });
  await platform.start("auth", startAuth);
  await platform.start("users", startUsers);
  await platform.start("orgs", startOrgs);
  await platform.start("notifications", startNotifications);
  await platform.start("audit", startAudit);
  edge = await startEdge({ port: 0, env: platform.env, logger: createLogger("edge", "error") });
});
test.after.always(async () => {
  await edge?.close();
  await platform?.close();
  await rm(mailDir, { recursive: true, force: true });
});

const rest = async (method: string, path: string, account: Account, body?: unknown) =>
  (await fetch(`${edge.url}${path}`, { method, headers: { authorization: `Bearer ${account.session.accessToken}` }, body: body === undefined ? undefined : JSON.stringify(body) })).status;

/** What the issue lists, through the edge: each must answer 401 for a revoked session. */
const restCalls = async (account: Account) => [
  await rest("GET", "/v1/notifications", account),
  await rest("POST", "/v1/orgs", account, { name: "After Logout" }),
  await rest("GET", "/v1/audit/events", account),
  await rest("GET", "/v1/me", account),
];

async function assertRevokedEverywhere(t: ExecutionContext, account: Account) {
  t.deepEqual(await restCalls(account), [401, 401, 401, 401]);
  await assertRefused(t, platform.client(NotificationsService).listNotifications({}, account.auth), Code.Unauthenticated, "SESSION_REVOKED");
  await assertRefused(t, platform.client(OrgsService).createOrganization({ name: "Direct" }, account.auth), Code.Unauthenticated, "SESSION_REVOKED");
  await assertRefused(t, platform.client(AuditService).queryAuditLog({}, account.auth), Code.Unauthenticated, "SESSION_REVOKED");
}

test("after logout, orgs, notifications and audit refuse the session's access token too", async (t) => {
  const admin = await registerAdmin(platform);
  // Before: the token works everywhere (audit answers an admin).
  t.deepEqual(await restCalls(admin), [200, 200, 200, 200]);
  await platform.client(AuthService).logout({}, admin.auth);
  await assertRevokedEverywhere(t, admin);
});

test("after deactivation, every service refuses the user's access tokens", async (t) => {
  const [admin, user] = await Promise.all([registerAdmin(platform), registerAndLogin(platform)]);
  t.is(await rest("GET", "/v1/notifications", user), 200);
  await platform.serviceClient(InternalAuthService, "users").deactivateUser({ userId: user.userId, reason: "test" }, admin.auth);
  await assertRevokedEverywhere(t, user);
});

test("a demoted admin's still-valid token opens neither the audit log nor other users' organizations", async (t) => {
  const [admin, owner] = await Promise.all([registerAdmin(platform), registerAndLogin(platform)]);
  const { organization } = await platform.client(OrgsService).createOrganization({ name: "Not Yours" }, owner.auth);
  // While an admin: both work (and the confirmation is cached).
  await platform.client(AuditService).queryAuditLog({}, admin.auth);
  await platform.client(OrgsService).getOrganization({ orgId: organization!.orgId }, admin.auth);

  await runAdminCommand(["revoke-admin", admin.email], platform.env);
  // The old token still says ROLE_ADMIN; auth no longer does.
  await eventually(
    async () => ((await platform.client(AuditService).queryAuditLog({}, admin.auth).then(() => "allowed", () => "refused")) === "refused" ? true : undefined),
    "audit to stop trusting the demoted admin's token",
  );
  await assertRefused(t, platform.client(AuditService).queryAuditLog({}, admin.auth), Code.PermissionDenied, "ROLE_REQUIRED");
  await assertRefused(t, platform.client(AuditService).verifyAuditChain({}, admin.auth), Code.PermissionDenied, "ROLE_REQUIRED");
  const takeover = platform.client(OrgsService).addMember({ orgId: organization!.orgId, userId: admin.userId, role: MemberRole.OWNER }, admin.auth);
  await t.throwsAsync(takeover, { message: /permission_denied/i });
  const members = await platform.client(OrgsService).listMembers({ orgId: organization!.orgId }, owner.auth);
  t.deepEqual(members.members.map((m) => m.userId), [owner.userId], "nobody was added");
});
