// Who may do what inside an organization. Owners control everything, admins manage members
// but never owners, members only leave. Platform admins (ROLE_ADMIN) act as owners anywhere,
// so an organization whose last owner was deactivated can still be looked after.
import { MemberRole } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { MemberRole as StoredRole } from "./generated/prisma/client.js";

/** The stored form of a contract role; undefined for MEMBER_ROLE_UNSPECIFIED. */
export function storedRole(role: MemberRole): StoredRole | undefined {
  switch (role) {
    case MemberRole.OWNER:
      return StoredRole.OWNER;
    case MemberRole.ADMIN:
      return StoredRole.ADMIN;
    case MemberRole.MEMBER:
      return StoredRole.MEMBER;
    default:
      return undefined;
  }
}

/** The contract form of a stored role. */
export function contractRole(role: StoredRole): MemberRole {
  switch (role) {
    case StoredRole.OWNER:
      return MemberRole.OWNER;
    case StoredRole.ADMIN:
      return MemberRole.ADMIN;
    case StoredRole.MEMBER:
      return MemberRole.MEMBER;
  }
}

/** The caller's standing in one organization: their membership role, and whether they are a platform admin. */
export interface Standing {
  readonly role?: StoredRole;
  readonly platformAdmin: boolean;
}

/** Whether the caller may see the organization and its members. */
export function canRead(standing: Standing): boolean {
  return standing.platformAdmin || standing.role !== undefined;
}

/** Whether the caller may add members with `role`. */
export function canGrant(standing: Standing, role: StoredRole): boolean {
  if (actsAsOwner(standing)) return true;
  // Admins add admins and members; only owners make owners.
  return standing.role === StoredRole.ADMIN && role !== StoredRole.OWNER;
}

/** Whether the caller may remove a member holding `role`; `self` when the caller removes themself. */
export function canRemove(standing: Standing, role: StoredRole, self: boolean): boolean {
  if (self && standing.role !== undefined) return true;
  if (actsAsOwner(standing)) return true;
  return standing.role === StoredRole.ADMIN && role !== StoredRole.OWNER;
}

/** Whether the caller manages members at all (owner, admin or platform admin). */
export function canManage(standing: Standing): boolean {
  return actsAsOwner(standing) || standing.role === StoredRole.ADMIN;
}

function actsAsOwner(standing: Standing): boolean {
  return standing.platformAdmin || standing.role === StoredRole.OWNER;
}
