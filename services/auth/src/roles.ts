// Roles as the contract (enum Role) and as tokens and the database (names like "ROLE_ADMIN").
import { Role, RoleSchema } from "@junction/gen/junction/auth/v1/role_pb";
import type { RoleName } from "@junction/platform";

/** The role every registered account has. */
export const DEFAULT_ROLES: readonly RoleName[] = ["ROLE_USER"];

/** The name of a valid role, or undefined for ROLE_UNSPECIFIED and unknown numbers. */
export function roleName(role: Role): RoleName | undefined {
  if (role === Role.UNSPECIFIED) return undefined;
  return RoleSchema.value[role]?.name as RoleName | undefined;
}

/** The enum values of stored role names, once each, in enum order; unknown names (from a newer version) are skipped. */
export function rolesFromNames(names: readonly string[]): Role[] {
  const roles = names.flatMap((name) => {
    const value = RoleSchema.values.find((v) => v.name === name && v.number !== Role.UNSPECIFIED);
    return value ? [value.number as Role] : [];
  });
  return [...new Set(roles)].sort((a, b) => a - b);
}

/** Stored names as token role names, once each, in enum order (ROLE_USER before ROLE_ADMIN). */
export function roleNames(names: readonly string[]): RoleName[] {
  return rolesFromNames(names).map((role) => roleName(role)!);
}
