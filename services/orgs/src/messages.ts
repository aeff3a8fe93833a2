// Rows to contract messages.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { MemberSchema, OrganizationSchema, type Member, type Organization } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import type { Membership, Organization as OrganizationRow } from "./generated/prisma/client.js";
import { contractRole } from "./member-roles.js";

/** The contract form of an organization row. */
export function organizationMessage(row: OrganizationRow): Organization {
  return create(OrganizationSchema, { orgId: row.id, name: row.name, createdBy: row.createdBy, createTime: timestampFromDate(row.createdAt) });
}

/** The contract form of a membership row. */
export function memberMessage(row: Membership): Member {
  return create(MemberSchema, { orgId: row.orgId, userId: row.userId, role: contractRole(row.role), joinTime: timestampFromDate(row.joinedAt) });
}
