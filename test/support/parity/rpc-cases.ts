// The RPC half of the parity corpus: the public RPCs called with the generated clients over
// Connect (JSON, and binary for some), gRPC and gRPC-Web, signed in and not, valid and not, the
// WatchNotifications stream, and the internal services a client must never reach.
import { randomUUID } from "node:crypto";
import type { DescMethodServerStreaming, DescMethodUnary } from "@bufbuild/protobuf";
import { InternalAuthService } from "@junction/gen/junction/auth/v1/auth_internal_service_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { MemberRole } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { publicMethod, type Protocol, type RpcRequest } from "./outcomes.js";
import type { World, WorldUser } from "./world.js";

/** An RPC case: a name, a protocol and the call it makes in a world. */
export interface RpcCase {
  readonly name: string;
  readonly protocol: Exclude<Protocol, "rest">;
  request(world: World): RpcRequest | Promise<RpcRequest>;
}

type Method = DescMethodUnary | DescMethodServerStreaming;
interface Spec {
  readonly name: string;
  readonly method: Method;
  readonly input?: (world: World) => Record<string, unknown> | Promise<Record<string, unknown>>;
  readonly token?: (world: World) => string | undefined | Promise<string | undefined>;
  readonly timeoutMs?: number;
  /** Also sent with Connect's binary format. */
  readonly binary?: boolean;
}

const PASSWORD = "correct-horse-9";
const AUTH = "junction.auth.v1.AuthService";
const USERS = "junction.users.v1.UsersService";
const ORGS = "junction.orgs.v1.OrgsService";
const NOTIFICATIONS = "junction.notifications.v1.NotificationsService";
const AUDIT = "junction.audit.v1.AuditService";
const m = publicMethod;
const tokenOf = (pick: (w: World) => WorldUser) => (w: World) => pick(w).accessToken;
const tampered = (pick: (w: World) => WorldUser) => (w: World) => `${pick(w).accessToken.slice(0, -4)}AAAA`;
let registered = 0;

const specs: Spec[] = [
  { name: "GetJwks", method: m(AUTH, "GetJwks"), binary: true },
  { name: "GetJwks, garbage token", method: m(AUTH, "GetJwks"), token: () => "garbage" },
  { name: "Register", method: m(AUTH, "Register"), input: (w) => ({ email: `rpc-${w.tag}-${++registered}@example.com`, password: PASSWORD, displayName: "Rpc" }) },
  { name: "Register, invalid email", method: m(AUTH, "Register"), input: () => ({ email: "nope", password: PASSWORD, displayName: "Rpc" }), binary: true },
  { name: "Login", method: m(AUTH, "Login"), input: (w) => ({ email: w.owner.email, password: PASSWORD }) },
  { name: "Login, wrong password", method: m(AUTH, "Login"), input: (w) => ({ email: w.outsider.email, password: "wrong-horse-1" }) },
  { name: "Refresh", method: m(AUTH, "Refresh"), input: async (w) => ({ refreshToken: (await w.freshUser("refresher")).refreshToken }) },
  { name: "Logout", method: m(AUTH, "Logout"), token: async (w) => (await w.freshUser("leaver")).accessToken },
  { name: "Logout, anonymous", method: m(AUTH, "Logout") },
  { name: "RequestPasswordReset", method: m(AUTH, "RequestPasswordReset"), input: (w) => ({ email: w.outsider.email }) },
  { name: "VerifyEmail, unknown token", method: m(AUTH, "VerifyEmail"), input: () => ({ token: "not-a-token" }) },
  { name: "GetMe", method: m(USERS, "GetMe"), token: tokenOf((w) => w.member), binary: true },
  { name: "GetMe, anonymous", method: m(USERS, "GetMe"), binary: true },
  { name: "GetMe, tampered token", method: m(USERS, "GetMe"), token: tampered((w) => w.member) },
  { name: "GetProfile", method: m(USERS, "GetProfile"), input: (w) => ({ userId: w.owner.userId }), token: tokenOf((w) => w.owner) },
  { name: "GetProfile, unknown user", method: m(USERS, "GetProfile"), input: () => ({ userId: randomUUID() }), token: tokenOf((w) => w.owner) },
  {
    name: "UpdateProfile",
    method: m(USERS, "UpdateProfile"),
    input: (w) => ({ userId: w.outsider.userId, profile: { bio: "Over RPC" }, updateMask: { paths: ["bio"] } }),
    token: tokenOf((w) => w.outsider),
  },
  {
    name: "UpdateProfile, another user's",
    method: m(USERS, "UpdateProfile"),
    input: (w) => ({ userId: w.member.userId, profile: { bio: "Not mine" }, updateMask: { paths: ["bio"] } }),
    token: tokenOf((w) => w.owner),
  },
  { name: "CreateOrganization", method: m(ORGS, "CreateOrganization"), input: (w) => ({ name: `Rpc ${w.tag}` }), token: tokenOf((w) => w.outsider), binary: true },
  { name: "CreateOrganization, empty name", method: m(ORGS, "CreateOrganization"), input: () => ({ name: "" }), token: tokenOf((w) => w.outsider) },
  { name: "GetOrganization, as outsider", method: m(ORGS, "GetOrganization"), input: (w) => ({ orgId: w.orgId }), token: tokenOf((w) => w.outsider) },
  { name: "ListMembers", method: m(ORGS, "ListMembers"), input: (w) => ({ orgId: w.orgId }), token: tokenOf((w) => w.owner), binary: true },
  {
    name: "AddMember",
    method: m(ORGS, "AddMember"),
    input: async (w) => ({ orgId: w.orgId, userId: (await w.freshUser("joiner")).userId, role: MemberRole.ADMIN }),
    token: tokenOf((w) => w.owner),
  },
  {
    name: "AddMember, as a member",
    method: m(ORGS, "AddMember"),
    input: (w) => ({ orgId: w.orgId, userId: w.outsider.userId, role: MemberRole.MEMBER }),
    token: tokenOf((w) => w.member),
  },
  { name: "RemoveMember, not one", method: m(ORGS, "RemoveMember"), input: (w) => ({ orgId: w.orgId, userId: w.outsider.userId }), token: tokenOf((w) => w.owner) },
  { name: "ListNotifications", method: m(NOTIFICATIONS, "ListNotifications"), token: tokenOf((w) => w.member), binary: true },
  { name: "MarkRead", method: m(NOTIFICATIONS, "MarkRead"), input: (w) => ({ notificationId: w.notificationId }), token: tokenOf((w) => w.member) },
  { name: "MarkRead, unknown", method: m(NOTIFICATIONS, "MarkRead"), input: () => ({ notificationId: randomUUID() }), token: tokenOf((w) => w.member) },
  { name: "WatchNotifications, anonymous", method: m(NOTIFICATIONS, "WatchNotifications") },
  // Nothing is due, so the caller's own deadline ends the stream.
  { name: "WatchNotifications, until the deadline", method: m(NOTIFICATIONS, "WatchNotifications"), token: tokenOf((w) => w.outsider), timeoutMs: 400 },
  { name: "QueryAuditLog, nobody's", method: m(AUDIT, "QueryAuditLog"), input: () => ({ actorId: randomUUID() }), token: tokenOf((w) => w.admin) },
  { name: "QueryAuditLog, not an admin", method: m(AUDIT, "QueryAuditLog"), token: tokenOf((w) => w.member) },
  { name: "VerifyAuditChain, not an admin", method: m(AUDIT, "VerifyAuditChain"), token: tokenOf((w) => w.member) },
  { name: "internal GetUserRoles", method: InternalAuthService.method.getUserRoles as Method, input: (w) => ({ userId: w.owner.userId }), token: tokenOf((w) => w.owner) },
  { name: "internal ListUserOrganizations, anonymous", method: InternalOrgsService.method.listUserOrganizations as Method, input: (w) => ({ userId: w.owner.userId }) },
];

function casesOf(spec: Spec): RpcCase[] {
  const protocols: Array<RpcCase["protocol"]> = ["connect", "grpc", "grpc-web", ...(spec.binary ? (["connect-proto"] as const) : [])];
  return protocols.map((protocol) => ({
    name: `${protocol}: ${spec.name}`,
    protocol,
    async request(world) {
      const token = await spec.token?.(world);
      return {
        method: spec.method,
        input: (await spec.input?.(world)) ?? {},
        headers: token === undefined ? undefined : { authorization: `Bearer ${token}` },
        timeoutMs: spec.timeoutMs,
      };
    },
  }));
}

/** Every RPC case, named "<protocol>: <name>". */
export const rpcCases: RpcCase[] = specs.flatMap(casesOf);
