// Input checks for every orgs RPC. Each returns the cleaned input or throws INVALID_ARGUMENT
// listing every bad field by its proto name, before anything is read or written.
import { FieldViolations, hasUnsafeCharacters, UNSAFE_CHARACTERS } from "@junction/platform";
import type {
  AddMemberRequest,
  CreateOrganizationRequest,
  ListMembersRequest,
  RemoveMemberRequest,
} from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import type { MemberRole as StoredRole } from "./generated/prisma/client.js";
import { storedRole } from "./member-roles.js";
import { decodeMemberCursor, type MemberCursor } from "./page-token.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAME_MAX = 100;
/** Default and largest ListMembers page. */
export const PAGE_SIZE = { default: 50, max: 100 } as const;

/** A valid CreateOrganization: the trimmed name. */
export function validCreateOrganization(req: CreateOrganizationRequest): { name: string } {
  const violations = new FieldViolations();
  const name = req.name.trim();
  if (name === "") violations.add("name", "must not be empty");
  else if ([...name].length > NAME_MAX) violations.add("name", `must be at most ${NAME_MAX} characters`);
  else if (hasUnsafeCharacters(name)) violations.add("name", UNSAFE_CHARACTERS);
  violations.throwIfAny();
  return { name };
}

/** A valid organization id (GetOrganization and friends). */
export function validOrgId(orgId: string): string {
  const violations = new FieldViolations();
  checkId(violations, "org_id", orgId);
  violations.throwIfAny();
  return orgId.toLowerCase();
}

/** A valid ListMembers: organization, page size and the decoded page token. */
export function validListMembers(req: ListMembersRequest): { orgId: string; pageSize: number; after?: MemberCursor } {
  const violations = new FieldViolations();
  checkId(violations, "org_id", req.orgId);
  const orgId = req.orgId.toLowerCase();
  if (req.pageSize < 0 || req.pageSize > PAGE_SIZE.max) violations.add("page_size", `must be from 0 to ${PAGE_SIZE.max}`);
  let after: MemberCursor | undefined;
  if (req.pageToken !== "") {
    after = decodeMemberCursor(req.pageToken, orgId);
    if (!after) violations.add("page_token", "is not a page token of this organization's member list");
  }
  violations.throwIfAny();
  return { orgId, pageSize: req.pageSize || PAGE_SIZE.default, after };
}

/** A valid AddMember: organization, user and the stored role. */
export function validAddMember(req: AddMemberRequest): { orgId: string; userId: string; role: StoredRole } {
  const violations = new FieldViolations();
  checkId(violations, "org_id", req.orgId);
  checkId(violations, "user_id", req.userId);
  const role = storedRole(req.role);
  if (!role) violations.add("role", "must be MEMBER_ROLE_OWNER, MEMBER_ROLE_ADMIN or MEMBER_ROLE_MEMBER");
  violations.throwIfAny();
  return { orgId: req.orgId.toLowerCase(), userId: req.userId.toLowerCase(), role: role! };
}

/** A valid RemoveMember: organization and user. */
export function validRemoveMember(req: RemoveMemberRequest): { orgId: string; userId: string } {
  const violations = new FieldViolations();
  checkId(violations, "org_id", req.orgId);
  checkId(violations, "user_id", req.userId);
  violations.throwIfAny();
  return { orgId: req.orgId.toLowerCase(), userId: req.userId.toLowerCase() };
}

/** A valid user id (ListUserOrganizations). */
export function validUserId(userId: string): string {
  const violations = new FieldViolations();
  checkId(violations, "user_id", userId);
  violations.throwIfAny();
  return userId.toLowerCase();
}

function checkId(violations: FieldViolations, field: string, value: string): void {
  if (value === "") violations.add(field, "must not be empty");
  else if (!UUID.test(value)) violations.add(field, "must be a UUID");
}
