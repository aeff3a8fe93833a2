// The public UsersService: who may do what, then the profile store and the GetMe composition.
import type { ServiceImpl } from "@connectrpc/connect";
import type { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { FieldViolations, requireUser } from "@junction/platform";
import { authorizeProfileAccess } from "../access.js";
import type { UsersContext } from "../context.js";
import { composeMe } from "../me.js";
import { validateProfileUpdate } from "../profile-validation.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** UsersService's handlers over `ctx`. */
export function usersServiceHandlers(ctx: UsersContext): Partial<ServiceImpl<typeof UsersService>> {
  return {
    async getProfile(req, call) {
      const caller = requireUser(call);
      checkUserId(req.userId);
      await authorizeProfileAccess(ctx.roles, caller, req.userId);
      return { profile: await ctx.profiles.get(req.userId) };
    },
    async updateProfile(req, call) {
      const caller = requireUser(call);
      checkUserId(req.userId);
      const changes = validateProfileUpdate(req.updateMask?.paths, req.profile);
      await authorizeProfileAccess(ctx.roles, caller, req.userId);
      return { profile: await ctx.profiles.update(req.userId, changes, caller.userId) };
    },
    async getMe(_req, call) {
      const caller = requireUser(call);
      return composeMe({ profiles: ctx.profiles, orgs: ctx.orgs, defaultBudgetMs: ctx.getMeBudgetMs, logger: ctx.logger }, caller);
    },
  };
}

function checkUserId(userId: string): void {
  const violations = new FieldViolations();
  if (userId === "") violations.add("user_id", "is required");
  else if (!UUID.test(userId)) violations.add("user_id", "must be a user id (UUID)");
  violations.throwIfAny();
}
