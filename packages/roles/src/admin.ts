// Admin-only decisions: the token must claim ROLE_ADMIN and auth must confirm it, so a demoted
// admin's still-valid token opens nothing. Callers without the claim are refused at once,
// without asking auth.
import { Code } from "@connectrpc/connect";
import { domainError, requireUser, type AccessTokenClaims } from "@junction/platform";
import type { RoleConfirmation } from "./role-confirmation.js";

/** The role that makes a platform admin. */
export const ADMIN_ROLE = "ROLE_ADMIN";

/** Whether `caller` is an admin by the token and by auth; UNAVAILABLE (ROLES_UNAVAILABLE) if auth and the cache cannot tell. */
export async function isConfirmedAdmin(roles: Pick<RoleConfirmation, "isAdmin">, caller: AccessTokenClaims): Promise<boolean> {
  if (!caller.roles.includes(ADMIN_ROLE)) return false;
  return (await roles.isAdmin(caller.userId)).admin;
}

/** The signed-in caller, who must be a confirmed admin: PERMISSION_DENIED (ROLE_REQUIRED) otherwise. */
export async function requireConfirmedAdmin(roles: Pick<RoleConfirmation, "isAdmin">, call: Parameters<typeof requireUser>[0]): Promise<AccessTokenClaims> {
  const caller = requireUser(call);
  if (!(await isConfirmedAdmin(roles, caller))) {
    throw domainError(Code.PermissionDenied, "ROLE_REQUIRED", `this RPC requires the role ${ADMIN_ROLE}`, { role: ADMIN_ROLE });
  }
  return caller;
}
