// The role rules and page tokens of orgs, without a database.
import test from "ava";
import { MemberRole as StoredRole } from "../src/generated/prisma/client.js";
import { canGrant, canManage, canRead, canRemove } from "../src/member-roles.js";
import { decodeMemberCursor, encodeMemberCursor } from "../src/page-token.js";

const owner = { role: StoredRole.OWNER, platformAdmin: false };
const admin = { role: StoredRole.ADMIN, platformAdmin: false };
const member = { role: StoredRole.MEMBER, platformAdmin: false };
const outsider = { platformAdmin: false };
const platformAdmin = { platformAdmin: true };

test("who may read and manage", (t) => {
  t.deepEqual([owner, admin, member, outsider, platformAdmin].map(canRead), [true, true, true, false, true]);
  t.deepEqual([owner, admin, member, outsider, platformAdmin].map(canManage), [true, true, false, false, true]);
});

test("only owners (and platform admins) grant owner", (t) => {
  t.true(canGrant(owner, StoredRole.OWNER));
  t.true(canGrant(platformAdmin, StoredRole.OWNER));
  t.false(canGrant(admin, StoredRole.OWNER));
  t.true(canGrant(admin, StoredRole.ADMIN));
  t.false(canGrant(member, StoredRole.MEMBER));
});

test("admins remove members and admins, never owners; anyone leaves", (t) => {
  t.true(canRemove(admin, StoredRole.MEMBER, false));
  t.true(canRemove(admin, StoredRole.ADMIN, false));
  t.false(canRemove(admin, StoredRole.OWNER, false));
  t.true(canRemove(owner, StoredRole.OWNER, false));
  t.false(canRemove(member, StoredRole.MEMBER, false));
  t.true(canRemove(member, StoredRole.MEMBER, true));
  t.false(canRemove(outsider, StoredRole.MEMBER, true), "a non-member has nothing to leave");
});

test("a page token round-trips and is bound to its organization", (t) => {
  const cursor = { orgId: "org-a", joinedAt: new Date("2026-06-01T12:00:00.123Z"), userId: "u1" };
  const token = encodeMemberCursor(cursor);
  t.deepEqual(decodeMemberCursor(token, "org-a"), cursor);
  t.is(decodeMemberCursor(token, "org-b"), undefined);
  t.is(decodeMemberCursor("not base64 json", "org-a"), undefined);
});
