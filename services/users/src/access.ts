// Who may act on a profile: its owner, or an admin — by the token, confirmed by auth.
import { Code } from "@connectrpc/connect";
import { type AccessTokenClaims, domainError } from "@junction/platform";
import { ADMIN_ROLE, isConfirmedAdmin, type RoleConfirmation } from "@junction/roles";

/** Allows `caller` to act on `userId`'s profile or throws PERMISSION_DENIED (ROLE_REQUIRED) / UNAVAILABLE (ROLES_UNAVAILABLE). */
export async function authorizeProfileAccess(roles: RoleConfirmation, caller: AccessTokenClaims, userId: string): Promise<void> {
  if (caller.userId === userId) return;
  if (!(await isConfirmedAdmin(roles, caller))) {
    throw domainError(Code.PermissionDenied, "ROLE_REQUIRED", "only the profile's owner or an admin may do this", { role: ADMIN_ROLE });
  }
}
