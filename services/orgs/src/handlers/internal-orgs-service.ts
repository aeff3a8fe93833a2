// InternalOrgsService, for other Junction services (users' GetMe); the runtime refuses
// callers without service credentials before this code runs.
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { UserOrganizationSchema, type InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import type { OrgsContext } from "../context.js";
import { organizationsOf } from "../memberships.js";
import { contractRole } from "../member-roles.js";
import { organizationMessage } from "../messages.js";
import { validUserId } from "../validation.js";

/** InternalOrgsService's handlers over `ctx`. */
export function internalOrgsServiceHandlers(ctx: OrgsContext): Partial<ServiceImpl<typeof InternalOrgsService>> {
  return {
    async listUserOrganizations(req) {
      const memberships = await organizationsOf(ctx, validUserId(req.userId));
      return {
        organizations: memberships.map((m) => create(UserOrganizationSchema, { organization: organizationMessage(m.organization), role: contractRole(m.role) })),
      };
    },
  };
}
