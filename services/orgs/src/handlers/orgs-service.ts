// OrgsService: validates, identifies the caller from the access token, runs the domain.
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { requireUser } from "@junction/platform";
import { isConfirmedAdmin } from "@junction/roles";
import type { Caller, OrgsContext } from "../context.js";
import { addMember, listMembers, removeMember } from "../memberships.js";
import { memberMessage, organizationMessage } from "../messages.js";
import { createOrganization, readableOrganization } from "../organizations.js";
import { encodeMemberCursor } from "../page-token.js";
import { validAddMember, validCreateOrganization, validListMembers, validOrgId, validRemoveMember } from "../validation.js";

/** OrgsService's handlers over `ctx`. */
export function orgsServiceHandlers(ctx: OrgsContext): Partial<ServiceImpl<typeof OrgsService>> {
  return {
    async createOrganization(req, call) {
      const caller = await callerOf(ctx, call);
      const { name } = validCreateOrganization(req);
      return { organization: organizationMessage(await createOrganization(ctx, caller, name)) };
    },
    async getOrganization(req, call) {
      const caller = await callerOf(ctx, call);
      const orgId = validOrgId(req.orgId);
      return { organization: organizationMessage(await readableOrganization(ctx, caller, orgId)) };
    },
    async listMembers(req, call) {
      const caller = await callerOf(ctx, call);
      const page = await listMembers(ctx, caller, validListMembers(req));
      return { members: page.members.map(memberMessage), nextPageToken: page.next ? encodeMemberCursor(page.next) : "" };
    },
    async addMember(req, call) {
      const caller = await callerOf(ctx, call);
      return { member: memberMessage(await addMember(ctx, caller, validAddMember(req))) };
    },
    async removeMember(req, call) {
      const caller = await callerOf(ctx, call);
      await removeMember(ctx, caller, validRemoveMember(req));
      return {};
    },
  };
}

/**
 * The signed-in caller (UNAUTHENTICATED without one), checked before the input so anonymous
 * probing learns nothing. A platform admin by the token is one only if auth confirms it.
 */
async function callerOf(ctx: OrgsContext, call: HandlerContext): Promise<Caller> {
  const user = requireUser(call);
  return { userId: user.userId, platformAdmin: await isConfirmedAdmin(ctx.roles, user) };
}
