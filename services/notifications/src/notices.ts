// What an in-app notification says (title and body) for each event a person should hear
// about; the same words go into the matching email.
import { MemberRole } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { Role } from "@junction/gen/junction/auth/v1/role_pb";

/** A notification's words. */
export interface Notice {
  readonly title: string;
  readonly body: string;
}

/** You were added to an organization. */
export function memberAddedNotice(orgName: string, role: MemberRole): Notice {
  return { title: `You were added to ${orgName}`, body: `You are now ${article(memberRoleName(role))} of the organization ${orgName}.` };
}

/** You were removed from an organization (or left it). */
export function memberRemovedNotice(orgName: string, reason: string): Notice {
  if (reason === "left") return { title: `You left ${orgName}`, body: `You are no longer a member of the organization ${orgName}.` };
  return { title: `You were removed from ${orgName}`, body: `You are no longer a member of the organization ${orgName}.` };
}

/** Your platform roles changed. */
export function rolesChangedNotice(roles: readonly Role[], previous: readonly Role[]): Notice {
  const now = roles.map(roleName);
  const gained = roles.filter((r) => !previous.includes(r)).map(roleName);
  const lost = previous.filter((r) => !roles.includes(r)).map(roleName);
  const changes = [...gained.map((r) => `You are now ${article(r)}.`), ...lost.map((r) => `You are no longer ${article(r)}.`)];
  return {
    title: "Your Junction roles changed",
    body: `${changes.join(" ")} Your roles: ${now.join(", ") || "none"}.`.trim(),
  };
}

function memberRoleName(role: MemberRole): string {
  return role === MemberRole.OWNER ? "owner" : role === MemberRole.ADMIN ? "admin" : "member";
}

function roleName(role: Role): string {
  return role === Role.ADMIN ? "administrator" : role === Role.USER ? "user" : "unknown role";
}

function article(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
}
