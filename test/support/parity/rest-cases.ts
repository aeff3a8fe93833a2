// The REST half of the parity corpus: every route with a valid request, signed in and not, with
// bad tokens, bad JSON, unknown fields and parameters, wrong verbs and paths, CORS, sizes and the
// headers clients send. Requests with side effects use the world's fresh users, so each edge sees
// the same state.
import { randomUUID } from "node:crypto";
import type { World, WorldUser } from "./world.js";
import type { RestRequest } from "./outcomes.js";

/** A REST case: a name and the request it sends in a world. */
export interface RestCase {
  readonly name: string;
  request(world: World): RestRequest | Promise<RestRequest>;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const as = (user: WorldUser) => bearer(user.accessToken);
// A token auth signed, with its signature changed.
const tampered = (user: WorldUser) => bearer(`${user.accessToken.slice(0, -4)}AAAA`);
const PASSWORD = "correct-horse-9";
const get = (path: string, headers?: Record<string, string>): RestRequest => ({ method: "GET", path, headers });
const post = (path: string, body: unknown, headers?: Record<string, string>): RestRequest => ({ method: "POST", path, body, headers });

const auth: RestCase[] = [
  { name: "register", request: (w) => post("/v1/auth/register", { email: `new-${w.tag}-1@example.com`, password: PASSWORD, display_name: "New" }) },
  { name: "register, camelCase fields", request: (w) => post("/v1/auth/register", { email: `new-${w.tag}-2@example.com`, password: PASSWORD, displayName: "New" }) },
  { name: "register, invalid email", request: () => post("/v1/auth/register", { email: "not-an-email", password: PASSWORD, display_name: "X" }) },
  { name: "register, weak password", request: (w) => post("/v1/auth/register", { email: `weak-${w.tag}@example.com`, password: "short", display_name: "X" }) },
  { name: "register, empty object", request: () => post("/v1/auth/register", {}) },
  { name: "register, taken email", request: (w) => post("/v1/auth/register", { email: w.owner.email, password: PASSWORD, display_name: "Again" }) },
  { name: "register, unknown field", request: (w) => post("/v1/auth/register", { email: `colour-${w.tag}@example.com`, password: PASSWORD, display_name: "X", colour: "red" }) },
  { name: "register, malformed JSON", request: () => post("/v1/auth/register", '{"email": "x@example.com",') },
  { name: "register, JSON array body", request: () => post("/v1/auth/register", "[]") },
  { name: "register, wrong type", request: () => post("/v1/auth/register", { email: 5, password: PASSWORD, display_name: "X" }) },
  { name: "register, null field", request: (w) => post("/v1/auth/register", { email: `null-${w.tag}@example.com`, password: PASSWORD, display_name: null }) },
  { name: "register, body over 1 MiB", request: () => post("/v1/auth/register", { email: "big@example.com", password: PASSWORD, display_name: "x".repeat(1024 * 1024 + 10) }) },
  {
    name: "register, chunked body over 1 MiB",
    request: () => ({ ...post("/v1/auth/register", { email: "big@example.com", password: PASSWORD, display_name: "x".repeat(1024 * 1024 + 10) }), chunked: true }),
  },
  { name: "register, chunked body", request: (w) => ({ ...post("/v1/auth/register", { email: `chunked-${w.tag}@example.com`, password: PASSWORD, display_name: "Chunked" }), chunked: true }) },
  { name: "register, query parameter on a body route", request: (w) => post(`/v1/auth/register?email=q-${w.tag}@example.com`, { password: PASSWORD, display_name: "Q" }) },
  { name: "login", request: (w) => post("/v1/auth/login", { email: w.owner.email, password: PASSWORD }) },
  { name: "login, wrong password", request: (w) => post("/v1/auth/login", { email: w.outsider.email, password: "wrong-horse-1" }) },
  { name: "login, unknown email", request: (w) => post("/v1/auth/login", { email: `nobody-${w.tag}@example.com`, password: PASSWORD }) },
  { name: "login, missing password", request: (w) => post("/v1/auth/login", { email: w.owner.email }) },
  { name: "login, empty body", request: () => ({ method: "POST", path: "/v1/auth/login", body: "", headers: { "content-type": "application/json" } }) },
  { name: "login, text/plain body", request: (w) => post("/v1/auth/login", JSON.stringify({ email: w.owner.email, password: PASSWORD }), { "content-type": "text/plain" }) },
  { name: "refresh", request: async (w) => post("/v1/auth/refresh", { refresh_token: (await w.freshUser("refresher")).refreshToken }) },
  { name: "refresh, unknown token", request: () => post("/v1/auth/refresh", { refresh_token: "not-a-refresh-token" }) },
  { name: "refresh, missing token", request: () => post("/v1/auth/refresh", {}) },
  { name: "logout", request: async (w) => post("/v1/auth/logout", {}, as(await w.freshUser("leaver"))) },
  { name: "logout, anonymous", request: () => post("/v1/auth/logout", {}) },
  { name: "verify email, unknown token", request: () => post("/v1/auth/verify-email", { token: "not-a-verification-token" }) },
  { name: "verify email, missing token", request: () => post("/v1/auth/verify-email", {}) },
  { name: "password reset, known email", request: (w) => post("/v1/auth/password-reset", { email: w.outsider.email }) },
  { name: "password reset, unknown email", request: (w) => post("/v1/auth/password-reset", { email: `nobody-${w.tag}@example.com` }) },
  { name: "password reset, invalid email", request: () => post("/v1/auth/password-reset", { email: "nope" }) },
  { name: "password reset confirm, unknown token", request: () => post("/v1/auth/password-reset/confirm", { token: "not-a-reset-token", new_password: "another-horse-7" }) },
  { name: "jwks", request: () => get("/.well-known/jwks.json") },
  { name: "jwks, with a valid token", request: (w) => get("/.well-known/jwks.json", as(w.member)) },
  { name: "jwks, with a garbage token", request: () => get("/.well-known/jwks.json", bearer("garbage")) },
  { name: "jwks, with a tampered token", request: (w) => get("/.well-known/jwks.json", tampered(w.member)) },
  { name: "jwks, POST", request: () => post("/.well-known/jwks.json", {}) },
];

const users: RestCase[] = [
  { name: "me", request: (w) => get("/v1/me", as(w.member)) },
  { name: "me, anonymous", request: () => get("/v1/me") },
  { name: "me, garbage token", request: () => get("/v1/me", bearer("garbage")) },
  { name: "me, three-part garbage token", request: () => get("/v1/me", bearer("a.b.c")) },
  { name: "me, tampered token", request: (w) => get("/v1/me", tampered(w.member)) },
  { name: "me, Basic authorization", request: () => get("/v1/me", { authorization: "Basic dXNlcjpwYXNz" }) },
  { name: "me, lowercase bearer scheme", request: (w) => get("/v1/me", { authorization: `bearer ${w.member.accessToken}` }) },
  { name: "me, unknown query parameter", request: (w) => get("/v1/me?foo=1", as(w.member)) },
  { name: "me, unknown query parameter, anonymous", request: () => get("/v1/me?foo=1") },
  { name: "me, client request id", request: (w) => get("/v1/me", { ...as(w.member), "x-request-id": "client-chosen-id" }) },
  { name: "me, service token from outside", request: (w) => get("/v1/me", { ...as(w.member), "x-junction-service-token": "forged" }) },
  { name: "me, DELETE", request: (w) => ({ method: "DELETE", path: "/v1/me", headers: as(w.member) }) },
  { name: "profile, own", request: (w) => get(`/v1/users/${w.owner.userId}/profile`, as(w.owner)) },
  { name: "profile, another user's", request: (w) => get(`/v1/users/${w.member.userId}/profile`, as(w.owner)) },
  { name: "profile, unknown user", request: (w) => get(`/v1/users/${randomUUID()}/profile`, as(w.owner)) },
  { name: "profile, malformed id", request: (w) => get("/v1/users/not-a-uuid/profile", as(w.owner)) },
  { name: "profile, anonymous", request: (w) => get(`/v1/users/${w.owner.userId}/profile`) },
  {
    name: "update profile",
    request: (w) => ({ method: "PATCH", path: `/v1/users/${w.outsider.userId}/profile?update_mask=display_name,bio`, body: { display_name: "Renamed", bio: "Hello" }, headers: as(w.outsider) }),
  },
  {
    name: "update profile, camelCase mask",
    request: (w) => ({ method: "PATCH", path: `/v1/users/${w.outsider.userId}/profile?updateMask=timeZone`, body: { timeZone: "Europe/Paris" }, headers: as(w.outsider) }),
  },
  {
    name: "update profile, another user's",
    request: (w) => ({ method: "PATCH", path: `/v1/users/${w.member.userId}/profile?update_mask=bio`, body: { bio: "Not mine" }, headers: as(w.owner) }),
  },
  {
    name: "update profile, unknown mask path",
    request: (w) => ({ method: "PATCH", path: `/v1/users/${w.outsider.userId}/profile?update_mask=email`, body: { email: "x@example.com" }, headers: as(w.outsider) }),
  },
  { name: "update profile, anonymous", request: (w) => ({ method: "PATCH", path: `/v1/users/${w.outsider.userId}/profile?update_mask=bio`, body: { bio: "x" } }) },
  { name: "update profile, PUT", request: (w) => ({ method: "PUT", path: `/v1/users/${w.outsider.userId}/profile`, body: { bio: "x" }, headers: as(w.outsider) }) },
];

const orgs: RestCase[] = [
  { name: "create organization", request: (w) => post("/v1/orgs", { name: `Made ${w.tag}` }, as(w.outsider)) },
  { name: "create organization, empty name", request: (w) => post("/v1/orgs", { name: "" }, as(w.outsider)) },
  { name: "create organization, anonymous", request: () => post("/v1/orgs", { name: "Nobody's" }) },
  { name: "create organization, GET", request: (w) => get("/v1/orgs", as(w.outsider)) },
  { name: "organization, as owner", request: (w) => get(`/v1/orgs/${w.orgId}`, as(w.owner)) },
  { name: "organization, as member", request: (w) => get(`/v1/orgs/${w.orgId}`, as(w.member)) },
  { name: "organization, as outsider", request: (w) => get(`/v1/orgs/${w.orgId}`, as(w.outsider)) },
  { name: "organization, unknown", request: (w) => get(`/v1/orgs/${randomUUID()}`, as(w.owner)) },
  { name: "members", request: (w) => get(`/v1/orgs/${w.orgId}/members`, as(w.owner)) },
  { name: "members, first page of one", request: (w) => get(`/v1/orgs/${w.orgId}/members?page_size=1`, as(w.owner)) },
  { name: "members, camelCase page size", request: (w) => get(`/v1/orgs/${w.orgId}/members?pageSize=1`, as(w.owner)) },
  { name: "members, page size not a number", request: (w) => get(`/v1/orgs/${w.orgId}/members?page_size=abc`, as(w.owner)) },
  { name: "members, negative page size", request: (w) => get(`/v1/orgs/${w.orgId}/members?page_size=-1`, as(w.owner)) },
  { name: "members, bad page token", request: (w) => get(`/v1/orgs/${w.orgId}/members?page_token=%%%`, as(w.owner)) },
  { name: "members, as outsider", request: (w) => get(`/v1/orgs/${w.orgId}/members`, as(w.outsider)) },
  { name: "add member", request: async (w) => post(`/v1/orgs/${w.orgId}/members`, { user_id: (await w.freshUser("joiner")).userId, role: "MEMBER_ROLE_MEMBER" }, as(w.owner)) },
  { name: "add member, role by number", request: async (w) => post(`/v1/orgs/${w.orgId}/members`, { userId: (await w.freshUser("joiner")).userId, role: 2 }, as(w.owner)) },
  { name: "add member, unknown role", request: (w) => post(`/v1/orgs/${w.orgId}/members`, { user_id: w.outsider.userId, role: "MEMBER_ROLE_BOSS" }, as(w.owner)) },
  { name: "add member, no role", request: (w) => post(`/v1/orgs/${w.orgId}/members`, { user_id: w.outsider.userId }, as(w.owner)) },
  { name: "add member, as a member", request: (w) => post(`/v1/orgs/${w.orgId}/members`, { user_id: w.outsider.userId, role: "MEMBER_ROLE_MEMBER" }, as(w.member)) },
  { name: "add member, already one", request: (w) => post(`/v1/orgs/${w.orgId}/members`, { user_id: w.member.userId, role: "MEMBER_ROLE_MEMBER" }, as(w.owner)) },
  { name: "remove member, not one", request: (w) => ({ method: "DELETE", path: `/v1/orgs/${w.orgId}/members/${w.outsider.userId}`, headers: as(w.owner) }) },
  { name: "remove member, as outsider", request: (w) => ({ method: "DELETE", path: `/v1/orgs/${w.orgId}/members/${w.member.userId}`, headers: as(w.outsider) }) },
  { name: "remove member, anonymous", request: (w) => ({ method: "DELETE", path: `/v1/orgs/${w.orgId}/members/${w.member.userId}` }) },
  { name: "members, PUT", request: (w) => ({ method: "PUT", path: `/v1/orgs/${w.orgId}/members`, body: {}, headers: as(w.owner) }) },
];

const notifications: RestCase[] = [
  { name: "notifications", request: (w) => get("/v1/notifications", as(w.member)) },
  { name: "notifications, unread only", request: (w) => get("/v1/notifications?unread_only=true", as(w.member)) },
  { name: "notifications, none yet", request: (w) => get("/v1/notifications", as(w.outsider)) },
  { name: "notifications, page size too large", request: (w) => get("/v1/notifications?page_size=1000", as(w.member)) },
  { name: "notifications, unread_only not a boolean", request: (w) => get("/v1/notifications?unread_only=maybe", as(w.member)) },
  { name: "notifications, repeated scalar parameter", request: (w) => get("/v1/notifications?page_size=1&page_size=2", as(w.member)) },
  { name: "notifications, anonymous", request: () => get("/v1/notifications") },
  { name: "mark read", request: (w) => post(`/v1/notifications/${w.notificationId}:read`, {}, as(w.member)) },
  { name: "mark read, someone else's", request: (w) => post(`/v1/notifications/${w.notificationId}:read`, {}, as(w.owner)) },
  { name: "mark read, unknown", request: (w) => post(`/v1/notifications/${randomUUID()}:read`, {}, as(w.member)) },
  { name: "mark read, GET", request: (w) => get(`/v1/notifications/${w.notificationId}:read`, as(w.member)) },
];

const audit: RestCase[] = [
  { name: "audit events, admin, nobody's", request: (w) => get(`/v1/audit/events?actor_id=${randomUUID()}&page_size=5`, as(w.admin)) },
  { name: "audit events, not an admin", request: (w) => get("/v1/audit/events", as(w.member)) },
  { name: "audit events, anonymous", request: () => get("/v1/audit/events") },
  { name: "audit events, bad start time", request: (w) => get("/v1/audit/events?start_time=yesterday", as(w.admin)) },
  { name: "audit events, time range", request: (w) => get(`/v1/audit/events?actor_id=${randomUUID()}&start_time=2020-01-01T00:00:00Z&end_time=2021-01-01T00:00:00Z`, as(w.admin)) },
  { name: "verify audit chain, not an admin", request: (w) => post("/v1/audit:verify", {}, as(w.member)) },
  { name: "verify audit chain, bad range", request: (w) => post("/v1/audit:verify", { start_sequence: "10", end_sequence: "1" }, as(w.admin)) },
];

const edge: RestCase[] = [
  { name: "unknown path", request: () => get("/nope") },
  { name: "unknown path, with a bad token", request: () => get("/nope", bearer("garbage")) },
  { name: "unknown path, from a browser", request: () => get("/nope", { origin: "https://app.example" }) },
  { name: "root", request: () => get("/") },
  { name: "unknown version", request: () => get("/v2/me") },
  { name: "metrics", request: () => get("/metrics") },
  { name: "health", request: () => get("/healthz") },
  { name: "OpenAPI document", request: () => get("/openapi.json") },
  { name: "OpenAPI document, with a bad token", request: () => get("/openapi.json", bearer("garbage")) },
  { name: "OpenAPI document, from a browser", request: () => get("/openapi.json", { origin: "https://app.example" }) },
  { name: "OpenAPI document, POST", request: () => post("/openapi.json", {}) },
  { name: "readiness", request: () => get("/readyz") },
  { name: "internal service path", request: (w) => post("/junction.auth.v1.InternalAuthService/GetUserRoles", { user_id: w.owner.userId }, as(w.owner)) },
  { name: "reflection path", request: () => post("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", {}) },
  { name: "double slash", request: (w) => get("//v1/me", as(w.member)) },
  { name: "only a double slash", request: () => get("//") },
  { name: "bad percent-escape in a variable", request: (w) => get("/v1/users/%zz/profile", as(w.owner)) },
  { name: "bad percent-escape in a variable, anonymous", request: () => get("/v1/users/%zz/profile") },
  { name: "encoded slash in a variable", request: (w) => get(`/v1/orgs/${w.orgId}%2Fmembers`, as(w.owner)) },
  {
    name: "CORS preflight",
    request: () => ({ method: "OPTIONS", path: "/v1/auth/login", headers: { origin: "https://app.example", "access-control-request-method": "POST" } }),
  },
  {
    name: "CORS preflight with headers",
    request: () => ({
      method: "OPTIONS",
      path: "/v1/me",
      headers: { origin: "https://app.example", "access-control-request-method": "GET", "access-control-request-headers": "authorization, x-request-id" },
    }),
  },
  { name: "OPTIONS without preflight headers", request: () => ({ method: "OPTIONS", path: "/v1/auth/login", headers: { origin: "https://app.example" } }) },
  { name: "CORS on a response", request: () => get("/.well-known/jwks.json", { origin: "https://app.example" }) },
  { name: "CORS on an error", request: () => get("/v1/me", { origin: "https://app.example" }) },
  { name: "CORS from an origin not allowed", request: () => get("/.well-known/jwks.json", { origin: "https://evil.example" }) },
  { name: "CORS from the opaque origin null", request: () => get("/.well-known/jwks.json", { origin: "null" }) },
  {
    name: "CORS preflight from an origin not allowed",
    request: () => ({ method: "OPTIONS", path: "/v1/auth/login", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } }),
  },
  {
    name: "CORS preflight from localhost outside development mode",
    request: () => ({ method: "OPTIONS", path: "/v1/auth/login", headers: { origin: "http://localhost:3000", "access-control-request-method": "POST" } }),
  },
];

// Raw RPC requests a generated client would never send, checked at the HTTP level.
const raw: RestCase[] = [
  {
    name: "Connect call, malformed JSON",
    request: (w) => post("/junction.users.v1.UsersService/GetMe", "{bad", { ...as(w.member), "content-type": "application/json", "connect-protocol-version": "1" }),
  },
  {
    name: "Connect call, garbage protobuf",
    request: (w) => post("/junction.users.v1.UsersService/GetMe", "\u00ff\u00ff\u00ff", { ...as(w.member), "content-type": "application/proto", "connect-protocol-version": "1" }),
  },
  {
    name: "Connect call, unknown procedure of a public service",
    request: (w) => post("/junction.users.v1.UsersService/DeleteEverything", "{}", { ...as(w.member), "content-type": "application/json", "connect-protocol-version": "1" }),
  },
  {
    name: "gRPC-Web call, truncated frame",
    request: (w) => post("/junction.users.v1.UsersService/GetMe", "\u0000\u0000\u0000\u0000\u0009ab", { ...as(w.member), "content-type": "application/grpc-web+proto", "x-grpc-web": "1" }),
  },
];

/** Every REST case, named "rest: <name>". */
export const restCases: RestCase[] = [...auth, ...users, ...orgs, ...notifications, ...audit, ...edge, ...raw].map((c) => ({ ...c, name: `rest: ${c.name}` }));
