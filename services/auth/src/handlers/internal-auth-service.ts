// InternalAuthService, for other Junction services only (the runtime refuses calls without
// service credentials). Changing roles or deactivating also needs the user on whose behalf the
// calling service acts: it forwards that user's `authorization` header.
import { Code, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { type AccessTokenClaims, callingService, domainError, invalidArgument, requireRole, requireUser } from "@junction/platform";
import { deactivateUser, findUser, isActiveAdmin, setUserRoles } from "../account-admin.js";
import type { AuthContext } from "../context.js";
import { rolesFromNames } from "../roles.js";

/** InternalAuthService's handlers over `ctx`. */
export function internalAuthServiceHandlers(ctx: AuthContext): Partial<ServiceImpl<typeof InternalAuthService>> {
  return {
    async getUserRoles(req, call) {
      requireService(call);
      const user = await findUser(ctx, req.userId);
      return { userId: user.id, roles: rolesFromNames(user.roles), active: user.active };
    },
    async lookupUser(req, call) {
      requireService(call);
      const user = await findUser(ctx, req.userId);
      return { userId: user.id, email: user.email, displayName: user.displayName, emailVerified: user.emailVerifiedAt !== null, active: user.active };
    },
    async setUserRoles(req, call) {
      requireService(call);
      const admin = await requireConfirmedAdmin(ctx, call);
      const actorId = actingUser(admin, req.actorId);
      return { roles: await setUserRoles(ctx, req.userId, req.roles, actorId) };
    },
    async deactivateUser(req, call) {
      requireService(call);
      const user = requireUser(call);
      // Users may close their own account; anyone else's takes a confirmed admin.
      if (req.userId !== user.userId) await requireConfirmedAdmin(ctx, call);
      await deactivateUser(ctx, req.userId, actingUser(user, req.actorId), req.reason);
      return {};
    },
  };
}

function requireService(call: HandlerContext): string {
  const service = callingService(call);
  if (service === undefined) throw domainError(Code.Unauthenticated, "SERVICE_CREDENTIALS_REQUIRED", "this RPC is for Junction services only");
  return service;
}

/** The forwarded user, who must hold ROLE_ADMIN in the token and, right now, in the database. */
async function requireConfirmedAdmin(ctx: AuthContext, call: HandlerContext): Promise<AccessTokenClaims> {
  const admin = requireRole(call, "ROLE_ADMIN");
  if (!(await isActiveAdmin(ctx, admin.userId))) {
    throw domainError(Code.PermissionDenied, "ROLE_REQUIRED", "this RPC requires the role ROLE_ADMIN", { role: "ROLE_ADMIN" });
  }
  return admin;
}

/** The actor recorded for the audit trail: the forwarded user; a different `actor_id` is refused. */
function actingUser(user: AccessTokenClaims, actorId: string): string {
  if (actorId !== "" && actorId !== user.userId) {
    throw invalidArgument([{ field: "actor_id", description: "must be empty or the id of the user the call is made for" }]);
  }
  return user.userId;
}
