// Who may act on a profile: its owner, or an admin — by the token, confirmed by auth.
import { Code } from "@connectrpc/connect";
import { type AccessTokenClaims, domainError } from "@junction/platform";
import type { RoleConfirmation } from "./role-confirmation.js";

/** Allows `caller` to act on `userId`'s profile or throws PERMISSION_DENIED (ROLE_REQUIRED) / UNAVAILABLE (ROLES_UNAVAILABLE). */
export async function authorizeProfileAccess(roles: RoleConfirmation, caller: AccessTokenClaims, userId: string): Promise<void> {
  if (caller.userId === userId) return;
  // Without the role in the token there is nothing to confirm, and no reason to ask auth.
  if (!caller.roles.includes("ROLE_ADMIN") || !(await roles.isAdmin(caller.userId)).admin) {
    throw domainError(Code.PermissionDenied, "ROLE_REQUIRED", "only the profile's owner or an admin may do this", { role: "ROLE_ADMIN" });
  }
}
