// AuditService: platform admins only (ROLE_ADMIN in the access token, confirmed by auth);
// everyone else is refused before the input is even looked at.
import type { ServiceImpl } from "@connectrpc/connect";
import type { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import { requireConfirmedAdmin, type RoleConfirmation } from "@junction/roles";
import { queryEntries } from "../audit-query.js";
import { verifyChain } from "../chain-verification.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { auditEntryMessage } from "../messages.js";
import { encodePageToken } from "../page-token.js";
import { validQuery, validRange } from "../validation.js";

/** AuditService's handlers over the audit database. */
export function auditServiceHandlers(prisma: PrismaClient, roles: Pick<RoleConfirmation, "isAdmin">): Partial<ServiceImpl<typeof AuditService>> {
  return {
    async queryAuditLog(req, call) {
      await requireConfirmedAdmin(roles, call);
      const query = validQuery(req);
      const page = await queryEntries(prisma, query);
      return {
        entries: page.entries.map(auditEntryMessage),
        nextPageToken: page.nextAfter === undefined ? "" : encodePageToken(page.nextAfter, query.fingerprint),
      };
    },
    async verifyAuditChain(req, call) {
      await requireConfirmedAdmin(roles, call);
      const report = await verifyChain(prisma, validRange(req));
      return {
        valid: report.broken === undefined,
        entriesChecked: report.entriesChecked,
        firstBrokenSequence: report.broken?.sequence ?? 0n,
        reason: report.broken?.reason ?? "",
      };
    },
  };
}
