// Orgs end to end, with the real auth and orgs services, NATS, Redis and Postgres: role rules,
// pagination, validation, the existence check against auth (and what happens when auth is
// down), the internal RPC users' GetMe calls, and membership clean-up on deactivation.
import test, { type ExecutionContext } from "ava";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { MemberRemovedSchema, OrganizationCreatedSchema } from "@junction/gen/junction/orgs/v1/events_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { MemberRole, OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { createLogger, errorReason, fieldViolations } from "@junction/platform";
import { waitForEvent } from "./support/events.js";
import { eventually, type TestPlatform } from "./support/platform.js";
import { sharedPlatform } from "./support/shared-platform.js";
import { signUp, signUpAdmin, type SignedInUser } from "./support/signed-in-users.js";
import { startAuth, startOrgs, startUsers } from "./support/services.js";

let platform: TestPlatform;
let closePlatform: () => Promise<void>;
let orgs: Client<typeof OrgsService>;

test.before(async () => {
  ({ platform, close: closePlatform } = await sharedPlatform());
  await platform.start("auth", startAuth);
  await platform.start("orgs", startOrgs);
  await platform.start("users", startUsers);
  orgs = platform.client(OrgsService);
});

test.after.always(() => closePlatform?.());

/** Asserts that `promise` fails with `code` and ErrorInfo `reason`. */
async function refused(t: ExecutionContext, promise: Promise<unknown>, code: Code, reason?: string): Promise<ConnectError> {
  const error = ConnectError.from(await t.throwsAsync(promise));
  t.is(error.code, code, error.message);
  if (reason) t.is(errorReason(error), reason);
  return error;
}

async function orgWithOwner(name: string): Promise<{ owner: SignedInUser; orgId: string }> {
  const owner = await signUp(platform, `${name}-owner`);
  const { organization } = await orgs.createOrganization({ name }, owner.auth);
  return { owner, orgId: organization!.orgId };
}

test("the creator owns the organization; only members and platform admins read it", async (t) => {
  const { owner, orgId } = await orgWithOwner("Acme");
  const outsider = await signUp(platform, "outsider");
  const admin = await signUpAdmin(platform, "platform-admin");

  const { organization } = await orgs.getOrganization({ orgId }, owner.auth);
  t.like(organization, { orgId, name: "Acme", createdBy: owner.userId });
  const { members } = await orgs.listMembers({ orgId }, owner.auth);
  t.deepEqual(members.map((m) => [m.userId, m.role]), [[owner.userId, MemberRole.OWNER]]);

  await refused(t, orgs.getOrganization({ orgId }, outsider.auth), Code.PermissionDenied, "NOT_A_MEMBER");
  // A non-member cannot tell a missing organization from someone else's.
  await refused(t, orgs.getOrganization({ orgId: crypto.randomUUID() }, outsider.auth), Code.PermissionDenied, "NOT_A_MEMBER");
  t.is((await orgs.getOrganization({ orgId }, admin.auth)).organization?.name, "Acme");
  await refused(t, orgs.getOrganization({ orgId: crypto.randomUUID() }, admin.auth), Code.NotFound, "ORGANIZATION_NOT_FOUND");
  await refused(t, orgs.getOrganization({ orgId }), Code.Unauthenticated, "TOKEN_MISSING");

  const created = await waitForEvent(platform.env, OrganizationCreatedSchema, (e) => e.orgId === orgId);
  t.like(created, { name: "Acme", ownerId: owner.userId });
});

test("role checks: members cannot add, admins add but never owners, owners grant owner, the last owner stays", async (t) => {
  const { owner, orgId } = await orgWithOwner("Roles Inc");
  const [admin, member, newcomer, another] = await Promise.all(["admin", "member", "newcomer", "another"].map((n) => signUp(platform, n)));

  await orgs.addMember({ orgId, userId: admin!.userId, role: MemberRole.ADMIN }, owner.auth);
  await orgs.addMember({ orgId, userId: member!.userId, role: MemberRole.MEMBER }, owner.auth);

  await refused(t, orgs.addMember({ orgId, userId: newcomer!.userId, role: MemberRole.MEMBER }, member!.auth), Code.PermissionDenied, "ORG_ADMIN_REQUIRED");
  await refused(t, orgs.addMember({ orgId, userId: newcomer!.userId, role: MemberRole.OWNER }, admin!.auth), Code.PermissionDenied, "ORG_OWNER_REQUIRED");
  const added = await orgs.addMember({ orgId, userId: newcomer!.userId, role: MemberRole.MEMBER }, admin!.auth);
  t.like(added.member, { orgId, userId: newcomer!.userId, role: MemberRole.MEMBER });
  await refused(t, orgs.addMember({ orgId, userId: newcomer!.userId, role: MemberRole.ADMIN }, owner.auth), Code.AlreadyExists, "ALREADY_A_MEMBER");

  // Members remove only themselves; admins remove members but not owners.
  await refused(t, orgs.removeMember({ orgId, userId: newcomer!.userId }, member!.auth), Code.PermissionDenied, "ORG_ADMIN_REQUIRED");
  await refused(t, orgs.removeMember({ orgId, userId: owner.userId }, admin!.auth), Code.PermissionDenied, "ORG_OWNER_REQUIRED");
  await orgs.removeMember({ orgId, userId: newcomer!.userId }, admin!.auth);
  // Removing again is the same answer: RemoveMember is idempotent.
  await orgs.removeMember({ orgId, userId: newcomer!.userId }, admin!.auth);
  await orgs.removeMember({ orgId, userId: member!.userId }, member!.auth);

  // The only owner can neither be removed nor leave.
  await refused(t, orgs.removeMember({ orgId, userId: owner.userId }, owner.auth), Code.FailedPrecondition, "LAST_OWNER");
  await orgs.addMember({ orgId, userId: another!.userId, role: MemberRole.OWNER }, owner.auth);
  await orgs.removeMember({ orgId, userId: owner.userId }, another!.auth);
  await refused(t, orgs.removeMember({ orgId, userId: another!.userId }, another!.auth), Code.FailedPrecondition, "LAST_OWNER");

  const { members } = await orgs.listMembers({ orgId }, another!.auth);
  t.deepEqual(
    members.map((m) => [m.userId, m.role]).sort(),
    [
      [admin!.userId, MemberRole.ADMIN],
      [another!.userId, MemberRole.OWNER],
    ].sort(),
  );
  const removed = await waitForEvent(platform.env, MemberRemovedSchema, (e) => e.orgId === orgId && e.userId === member!.userId);
  t.like(removed, { reason: "left", actorId: member!.userId });
});

test("ListMembers pages through every member once, oldest first, with opaque tokens", async (t) => {
  const { owner, orgId } = await orgWithOwner("Paged");
  const people = await Promise.all(Array.from({ length: 5 }, (_, i) => signUp(platform, `paged${i}`)));
  for (const person of people) await orgs.addMember({ orgId, userId: person.userId, role: MemberRole.MEMBER }, owner.auth);

  const seen: string[] = [];
  let pageToken = "";
  let pages = 0;
  do {
    const page = await orgs.listMembers({ orgId, pageSize: 2, pageToken }, owner.auth);
    t.true(page.members.length <= 2);
    seen.push(...page.members.map((m) => m.userId));
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken);
  t.is(pages, 3);
  t.deepEqual(seen, [owner.userId, ...people.map((p) => p.userId)]);

  // A token is bound to its organization.
  const first = await orgs.listMembers({ orgId, pageSize: 1 }, owner.auth);
  const other = await orgWithOwner("Other");
  const error = await refused(t, orgs.listMembers({ orgId: other.orgId, pageToken: first.nextPageToken }, other.owner.auth), Code.InvalidArgument);
  t.deepEqual(fieldViolations(error).map((v) => v.field), ["page_token"]);
});

test("bad input is INVALID_ARGUMENT naming every field, and nothing is written", async (t) => {
  const { owner, orgId } = await orgWithOwner("Validated");
  const outboxRows = () => platform.query<{ n: string }>("orgs", "SELECT count(*) AS n FROM junction_events.outbox WHERE actor_id = $1", [owner.userId]);
  const before = await outboxRows();

  const empty = await refused(t, orgs.createOrganization({ name: "   " }, owner.auth), Code.InvalidArgument);
  t.deepEqual(fieldViolations(empty).map((v) => v.field), ["name"]);
  const long = await refused(t, orgs.createOrganization({ name: "x".repeat(101) }, owner.auth), Code.InvalidArgument);
  t.regex(fieldViolations(long)[0]!.description, /at most 100/);

  const add = await refused(t, orgs.addMember({ orgId: "not-a-uuid", userId: "", role: MemberRole.UNSPECIFIED }, owner.auth), Code.InvalidArgument);
  t.deepEqual(fieldViolations(add).map((v) => v.field), ["org_id", "user_id", "role"]);
  const unknownRole = await refused(t, orgs.addMember({ orgId, userId: owner.userId, role: 42 as MemberRole }, owner.auth), Code.InvalidArgument);
  t.deepEqual(fieldViolations(unknownRole).map((v) => v.field), ["role"]);
  const list = await refused(t, orgs.listMembers({ orgId, pageSize: 101, pageToken: "garbage" }, owner.auth), Code.InvalidArgument);
  t.deepEqual(fieldViolations(list).map((v) => v.field), ["page_size", "page_token"]);
  const remove = await refused(t, orgs.removeMember({ orgId, userId: "nobody" }, owner.auth), Code.InvalidArgument);
  t.deepEqual(fieldViolations(remove).map((v) => v.field), ["user_id"]);

  const after = await outboxRows();
  t.is(after[0]!.n, before[0]!.n, "no event was written");
  const count = await platform.query<{ n: string }>("orgs", "SELECT count(*) AS n FROM organizations WHERE created_by = $1", [owner.userId]);
  t.is(count[0]!.n, "1");
});

test("a member must be an existing, active account; ListUserOrganizations lists a user's organizations", async (t) => {
  const { owner, orgId } = await orgWithOwner("Checked");
  await refused(t, orgs.addMember({ orgId, userId: crypto.randomUUID(), role: MemberRole.MEMBER }, owner.auth), Code.NotFound, "USER_NOT_FOUND");

  const leaving = await signUp(platform, "leaving");
  await platform.serviceClient(InternalAuthService).deactivateUser({ userId: leaving.userId, reason: "test" }, leaving.auth);
  await refused(t, orgs.addMember({ orgId, userId: leaving.userId, role: MemberRole.MEMBER }, owner.auth), Code.FailedPrecondition, "USER_INACTIVE");

  const internal = platform.serviceClient(InternalOrgsService, "users");
  const { organizations } = await internal.listUserOrganizations({ userId: owner.userId });
  t.deepEqual(organizations.map((o) => [o.organization?.name, o.role]), [["Checked", MemberRole.OWNER]]);
  await refused(t, platform.client(InternalOrgsService).listUserOrganizations({ userId: owner.userId }), Code.Unauthenticated, "SERVICE_CREDENTIALS_REQUIRED");

  // users' GetMe composes them from this RPC.
  const me = await platform.client(UsersService).getMe({}, owner.auth);
  t.deepEqual(me.unavailable, []);
  t.deepEqual(me.organizations.map((o) => [o.orgId, o.name, o.role]), [[orgId, "Checked", "owner"]]);
});

test("a deactivated account leaves every organization, announced with reason user_deactivated", async (t) => {
  const first = await orgWithOwner("First");
  const second = await orgWithOwner("Second");
  const user = await signUp(platform, "deactivated");
  await orgs.addMember({ orgId: first.orgId, userId: user.userId, role: MemberRole.ADMIN }, first.owner.auth);
  await orgs.addMember({ orgId: second.orgId, userId: user.userId, role: MemberRole.MEMBER }, second.owner.auth);

  await platform.serviceClient(InternalAuthService).deactivateUser({ userId: user.userId, reason: "closing my account" }, user.auth);

  const internal = platform.serviceClient(InternalOrgsService);
  await eventually(async () => ((await internal.listUserOrganizations({ userId: user.userId })).organizations.length === 0 ? true : undefined), "memberships removed");
  for (const { orgId } of [first, second]) {
    const event = await waitForEvent(platform.env, MemberRemovedSchema, (e) => e.orgId === orgId && e.userId === user.userId);
    t.like(event, { reason: "user_deactivated", actorId: "" });
  }
  const { members } = await orgs.listMembers({ orgId: first.orgId }, first.owner.auth);
  t.deepEqual(members.map((m) => m.userId), [first.owner.userId]);
});

test("with auth unreachable, AddMember is UNAVAILABLE and adds nobody", async (t) => {
  const { owner, orgId } = await orgWithOwner("Offline");
  const user = await signUp(platform, "offline");
  // A second orgs instance (same database and events) whose auth is a port nobody listens on.
  const cutOff = await startOrgs({ env: { ...platform.env, JUNCTION_ORGS_PORT: "0", JUNCTION_AUTH_URL: "http://127.0.0.1:1" }, logger: createLogger("orgs", platform.env.LOG_LEVEL) });
  t.teardown(() => cutOff.close());
  const client = createClient(OrgsService, createGrpcTransport({ baseUrl: cutOff.url }));
  await refused(t, client.addMember({ orgId, userId: user.userId, role: MemberRole.MEMBER }, owner.auth), Code.Unavailable, "AUTH_UNAVAILABLE");
  const rows = await platform.query("orgs", "SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2", [orgId, user.userId]);
  t.is(rows.length, 0);
});
