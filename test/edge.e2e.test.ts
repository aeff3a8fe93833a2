// Outside clients through the TypeScript edge against the real services: the register →
// login → GetMe flow in plain REST, the same RPCs over Connect and gRPC-Web, errors as JSON.
import test from "ava";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { startEdge } from "@junction/edge";
import { createLogger } from "@junction/platform/logger";
import type { ServiceServer } from "@junction/platform/server/service-server";
import { PASSWORD, uniqueEmail } from "./support/accounts.js";
import { TestPlatform, eventually } from "./support/platform.js";
import { startAuth, startOrgs, startUsers } from "./support/services.js";

let platform: TestPlatform;
let edge: ServiceServer;

test.before(async () => {
  platform = await TestPlatform.create(undefined);
  await platform.start("auth", startAuth);
  await platform.start("users", startUsers);
  await platform.start("orgs", startOrgs);
  edge = await startEdge({
    port: 0,
    env: platform.env,
    logger: createLogger("edge", "error"),
  });
});
test.after.always(async () => {
  await edge?.close();
  await platform?.close();
});

async function rest(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${edge.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- proto3 JSON of many shapes, checked field by field
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

test("register → login → GetMe → create an organization, in plain REST", async (t) => {
  const email = uniqueEmail("rest");
  const registered = await rest("POST", "/v1/auth/register", { email, password: PASSWORD, display_name: "Rest Client" });
  t.is(registered.status, 200);
  const login = await rest("POST", "/v1/auth/login", { email, password: PASSWORD });
  t.is(login.status, 200);
  t.is(login.json.userId, registered.json.userId);
  t.truthy(login.json.refreshToken);
  t.true(Number(login.json.expiresIn) > 0);
  const token = login.json.accessToken as string;

  const me = await eventually(async () => {
    const res = await rest("GET", "/v1/me", undefined, token);
    return res.status === 200 && res.json.profile ? res.json : undefined;
  }, "the profile to appear in GetMe");
  t.is(me.identity.userId, registered.json.userId);
  t.is(me.profile.displayName, "Rest Client");

  const org = await rest("POST", "/v1/orgs", { name: "Edge Works" }, token);
  t.is(org.status, 200);
  const after = await rest("GET", "/v1/me", undefined, token);
  t.deepEqual(after.json.organizations, [{ orgId: org.json.organization.orgId, name: "Edge Works", role: "owner" }]);
  t.is((await rest("GET", "/.well-known/jwks.json")).json.keys[0].kty, "OKP");
});

for (const [protocol, transport] of [
  ["Connect", (baseUrl: string) => createConnectTransport({ baseUrl, httpVersion: "1.1" })],
  ["gRPC-Web", (baseUrl: string) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })],
] as const) {
  test(`the same flow with a ${protocol} client through the edge`, async (t) => {
    const auth = createClient(AuthService, transport(edge.url));
    const users = createClient(UsersService, transport(edge.url));
    const email = uniqueEmail(protocol.toLowerCase().replace("-", ""));
    const { userId } = await auth.register({ email, password: PASSWORD, displayName: protocol });
    const { accessToken } = await auth.login({ email, password: PASSWORD });
    const me = await eventually(async () => {
      const res = await users.getMe({}, { headers: { authorization: `Bearer ${accessToken}` } });
      return res.profile ? res : undefined;
    }, "the profile to appear");
    t.is(me.identity?.userId, userId);
    const anonymous = await t.throwsAsync(users.getMe({}));
    t.is(ConnectError.from(anonymous).code, Code.Unauthenticated);
  });
}

test("bad input from a REST client: 400 naming the field, from the real auth service", async (t) => {
  const res = await rest("POST", "/v1/auth/register", { email: "not-an-email", password: PASSWORD, display_name: "X" });
  t.is(res.status, 400);
  t.is(res.json.code, Code.InvalidArgument);
  const violations = res.json.details.find((d: { "@type": string }) => d["@type"].endsWith("BadRequest")).fieldViolations;
  t.true(violations.some((v: { field: string }) => v.field === "email"));
});

test("no token is 401; an internal service is 404 even with a valid token", async (t) => {
  t.is((await rest("GET", "/v1/me")).status, 401);
  const email = uniqueEmail("internal");
  await rest("POST", "/v1/auth/register", { email, password: PASSWORD, display_name: "Prober" });
  const { json } = await rest("POST", "/v1/auth/login", { email, password: PASSWORD });
  const internal = await rest("POST", "/junction.auth.v1.InternalAuthService/GetUserRoles", { userId: json.userId }, json.accessToken);
  t.is(internal.status, 404);
});
