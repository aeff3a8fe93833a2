// GetMe composes the caller's account from three sources in parallel: identity (the token),
// profile (our database or cache) and organizations (the orgs service). Each part gets the
// caller's remaining time less a reserve to answer in; a part that fails or runs out of time is
// listed in `unavailable` and the rest is still returned.
import { create } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type { Role } from "@junction/gen/junction/auth/v1/role_pb";
import { RoleSchema } from "@junction/gen/junction/auth/v1/role_pb";
import type { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { MemberRole } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import {
  GetMeResponseSchema,
  IdentitySchema,
  MePart,
  OrganizationSummarySchema,
  type GetMeResponse,
  type OrganizationSummary,
  type Profile,
} from "@junction/gen/junction/users/v1/users_service_pb";
import { type AccessTokenClaims, type Logger, remainingBudgetMs } from "@junction/platform";
import type { ProfileStore } from "./profiles.js";

/** What GetMe reads from. */
export interface MeSources {
  readonly profiles: Pick<ProfileStore, "get">;
  readonly orgs: Client<typeof InternalOrgsService>;
  /** The budget when the caller set no deadline: GetMe's policy timeout. */
  readonly defaultBudgetMs: number;
  readonly logger: Logger;
}

// Kept back from the caller's budget to build and send the answer.
const RESERVE_FRACTION = 0.1;
const MAX_RESERVE_MS = 200;

/** The caller's identity, profile and organizations; never fails because a part is missing. */
export async function composeMe(sources: MeSources, caller: AccessTokenClaims): Promise<GetMeResponse> {
  const remaining = remainingBudgetMs() ?? sources.defaultBudgetMs;
  const budgetMs = Math.max(1, remaining - Math.min(MAX_RESERVE_MS, remaining * RESERVE_FRACTION));
  const [profile, organizations] = await Promise.allSettled([
    within(budgetMs, "profile", () => sources.profiles.get(caller.userId)),
    within(budgetMs, "organizations", (signal) => listOrganizations(sources.orgs, caller.userId, budgetMs, signal)),
  ]);
  const unavailable: MePart[] = [];
  if (profile.status === "rejected") {
    unavailable.push(MePart.PROFILE);
    sources.logger.warn({ err: profile.reason }, "GetMe: profile unavailable");
  }
  if (organizations.status === "rejected") {
    unavailable.push(MePart.ORGANIZATIONS);
    sources.logger.warn({ err: organizations.reason }, "GetMe: organizations unavailable");
  }
  return create(GetMeResponseSchema, {
    identity: create(IdentitySchema, { userId: caller.userId, sessionId: caller.sessionId, roles: rolesOf(caller) }),
    profile: profile.status === "fulfilled" ? (profile.value as Profile) : undefined,
    organizations: organizations.status === "fulfilled" ? (organizations.value as OrganizationSummary[]) : [],
    unavailable,
  });
}

async function listOrganizations(orgs: Client<typeof InternalOrgsService>, userId: string, timeoutMs: number, signal: AbortSignal): Promise<OrganizationSummary[]> {
  const { organizations } = await orgs.listUserOrganizations({ userId }, { timeoutMs, signal });
  return organizations.map((membership) =>
    create(OrganizationSummarySchema, {
      orgId: membership.organization?.orgId ?? "",
      name: membership.organization?.name ?? "",
      role: memberRoleName(membership.role),
    }),
  );
}

/** "owner", "admin" or "member", as OrganizationSummary.role spells them. */
function memberRoleName(role: MemberRole): string {
  switch (role) {
    case MemberRole.OWNER:
      return "owner";
    case MemberRole.ADMIN:
      return "admin";
    case MemberRole.MEMBER:
      return "member";
    default:
      return "";
  }
}

function rolesOf(caller: AccessTokenClaims): Role[] {
  return caller.roles.flatMap((name) => {
    const value = RoleSchema.values.find((v) => v.name === name);
    return value ? [value.number as Role] : [];
  });
}

/** `work()`'s result, or a rejection once `ms` have passed (and `work`'s signal is aborted). */
function within<T>(ms: number, part: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${part} took longer than ${Math.round(ms)} ms`));
    }, ms);
  });
  return Promise.race([work(controller.signal), timeout]).finally(() => clearTimeout(timer));
}
