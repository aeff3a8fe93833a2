// Outside clients through each edge, the TypeScript edge and the real Envoy, against the real
// services: the register → login → GetMe flow in plain REST, the same RPCs over Connect and
// gRPC-Web, a live WatchNotifications stream over Connect, gRPC-Web and gRPC, errors as JSON.
// The services call each other through Envoy's internal listener, with their own retries off, as
// `npm start` runs them when Envoy is the edge.
import test from "ava";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { NotificationKind, NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { MemberRole, OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { startEdge } from "@junction/edge";
import { createLogger, type RunningService, type ServiceServer } from "@junction/platform";
import { PASSWORD, uniqueEmail } from "./support/accounts.js";
import { callsThrough, envoyDeploymentFor, startTestEnvoy, type TestEnvoy } from "./support/envoy.js";
import { TestPlatform, eventually } from "./support/platform.js";
import { startAuth, startNotifications, startOrgs, startUsers } from "./support/services.js";
import { firstOf } from "./support/notification-streams.js";
import type { NotificationsContext } from "@junction/notifications";
import { signUp } from "./support/signed-in-users.js";
import { waitForEvent } from "./support/events.js";
import { SessionCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";

let platform: TestPlatform;
let edge: ServiceServer;
let envoy: TestEnvoy;
let notifications: RunningService<NotificationsContext>;
const EDGES = ["TypeScript edge", "Envoy"] as const;
const urlOf = (via: (typeof EDGES)[number]) => (via === "Envoy" ? envoy.url : edge.url);

test.before(async () => {
  platform = await TestPlatform.create(undefined);
  envoy = await startTestEnvoy(await envoyDeploymentFor(platform));
  const behindEnvoy = callsThrough(envoy.deployment);
  await platform.start("auth", startAuth, behindEnvoy);
  await platform.start("users", startUsers, behindEnvoy);
  await platform.start("orgs", startOrgs, behindEnvoy);
  notifications = (await platform.start("notifications", startNotifications, behindEnvoy)) as RunningService<NotificationsContext>;
  await envoy.untilHealthy(["auth", "users", "orgs", "notifications"]);
  edge = await startEdge({ port: 0, env: platform.env, logger: createLogger("edge", "error") });
});
test("a forged edge key straight to a service's port is refused: only Envoy holds the real one", async (t) => {
  const forged = await t.throwsAsync(
    createClient(AuthService, createGrpcTransport({ baseUrl: platform.url("auth") })).login({ email: uniqueEmail("forged"), password: PASSWORD }, { headers: { "x-junction-edge-key": "forged-forged-forged-forged-forged" } }),
  );
  t.is(ConnectError.from(forged).code, Code.Unauthenticated);
});

test.after.always(async () => {
  await edge?.close();
  await envoy?.close();
  await platform?.close();
});

async function rest(baseUrl: string, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- proto3 JSON of many shapes, checked field by field
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

for (const via of EDGES) {
  test(`register → login → GetMe → create an organization, in plain REST, through the ${via}`, async (t) => {
    const baseUrl = urlOf(via);
    const email = uniqueEmail("rest");
    const registered = await rest(baseUrl, "POST", "/v1/auth/register", { email, password: PASSWORD, display_name: "Rest Client" });
    t.is(registered.status, 200);
    const login = await rest(baseUrl, "POST", "/v1/auth/login", { email, password: PASSWORD });
    t.is(login.status, 200);
    t.is(login.json.userId, registered.json.userId);
    t.truthy(login.json.refreshToken);
    t.true(Number(login.json.expiresIn) > 0);
    const token = login.json.accessToken as string;

    const me = await eventually(async () => {
      const res = await rest(baseUrl, "GET", "/v1/me", undefined, token);
      return res.status === 200 && res.json.profile ? res.json : undefined;
    }, "the profile to appear in GetMe");
    t.is(me.identity.userId, registered.json.userId);
    t.is(me.profile.displayName, "Rest Client");

    const org = await rest(baseUrl, "POST", "/v1/orgs", { name: "Edge Works" }, token);
    t.is(org.status, 200);
    const after = await rest(baseUrl, "GET", "/v1/me", undefined, token);
    t.deepEqual(after.json.organizations, [{ orgId: org.json.organization.orgId, name: "Edge Works", role: "owner" }]);
    t.is((await rest(baseUrl, "GET", "/.well-known/jwks.json")).json.keys[0].kty, "OKP");
  });

  test(`the services believe the client address the ${via} forwards, and only the edge's: a session records it`, async (t) => {
    const baseUrl = urlOf(via);
    const email = uniqueEmail("client-address");
    await rest(baseUrl, "POST", "/v1/auth/register", { email, password: PASSWORD, display_name: "Address" });
    // A client's own edge key is replaced by the edge's (Envoy) or dropped (the TypeScript edge).
    const login = await fetch(`${baseUrl}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-junction-edge-key": "forged-forged-forged-forged-forged", "x-forwarded-for": "203.0.113.7", "x-envoy-external-address": "203.0.113.8" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    t.is(login.status, 200);
    const { sessionId } = (await login.json()) as { sessionId: string };
    const created = await waitForEvent(platform.env, SessionCreatedSchema, (e) => e.sessionId === sessionId);
    t.is(created.clientIp, "127.0.0.1", "the TCP peer the edge saw, not what the client wrote");
  });

  test(`Idempotency-Key: a POST sent twice makes one organization and replays the first answer; another body is refused; through the ${via}`, async (t) => {
    const baseUrl = urlOf(via);
    const { accessToken } = await signUp(platform, `Idem ${via}`);
    const post = (body: unknown, key: string, headers: Record<string, string> = {}) =>
      fetch(`${baseUrl}/v1/orgs`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}`, "idempotency-key": key, ...headers }, body: JSON.stringify(body) });
    const key = `create-org-${via.replace(" ", "-")}`;
    const first = await post({ name: "Once Only" }, key);
    t.is(first.status, 200);
    t.is(first.headers.get("idempotent-replayed"), null);
    const created = (await first.json()) as { organization: { orgId: string } };
    const again = await post({ name: "Once Only" }, key);
    t.is(again.status, 200);
    t.is(again.headers.get("idempotent-replayed"), "true");
    t.deepEqual(await again.json(), created, "the first answer, replayed");
    const me = (await (await fetch(`${baseUrl}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as { organizations: unknown[] };
    t.is(me.organizations.length, 1, "one organization, not two");

    const reused = await post({ name: "Something Else" }, key);
    t.is(reused.status, 400);
    t.like(await reused.json(), { details: [{ reason: "IDEMPOTENCY_KEY_REUSED" }] });
    const bad = await post({ name: "Bad Key" }, "has a space");
    t.is(bad.status, 400);
    t.like(await bad.json(), { details: [{ reason: "IDEMPOTENCY_KEY_INVALID" }] });
    // Another caller's same key is theirs alone.
    const other = await signUp(platform, `Idem other ${via}`);
    const theirs = await fetch(`${baseUrl}/v1/orgs`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${other.accessToken}`, "idempotency-key": key }, body: JSON.stringify({ name: "Once Only" }) });
    t.is(theirs.status, 200);
    t.is(theirs.headers.get("idempotent-replayed"), null);
    t.not(((await theirs.json()) as { organization: { orgId: string } }).organization.orgId, created.organization.orgId);

    // Connect clients name requests the same way.
    const orgs = createClient(OrgsService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
    let replayed: string | null | undefined;
    const options = { headers: { authorization: `Bearer ${accessToken}`, "idempotency-key": `${key}-connect` }, onHeader: (h: Headers) => (replayed = h.get("idempotent-replayed")) };
    const viaConnect = await orgs.createOrganization({ name: "Connect Once" }, options);
    t.deepEqual(await orgs.createOrganization({ name: "Connect Once" }, options), viaConnect);
    t.is(replayed, "true");
  });

  for (const [protocol, transport] of [
    ["Connect", (baseUrl: string) => createConnectTransport({ baseUrl, httpVersion: "1.1" })],
    ["gRPC-Web", (baseUrl: string) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })],
  ] as const) {
    test(`the same flow with a ${protocol} client through the ${via}`, async (t) => {
      const auth = createClient(AuthService, transport(urlOf(via)));
      const users = createClient(UsersService, transport(urlOf(via)));
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

  test(`a live WatchNotifications stream over Connect, gRPC-Web and gRPC through the ${via}`, async (t) => {
    const owner = await signUp(platform, "Stream Owner");
    const member = await signUp(platform, "Stream Member");
    const { organization } = await platform.client(OrgsService).createOrganization({ name: "Streamed Org" }, owner.auth);
    const stop = new AbortController();
    t.teardown(() => stop.abort());
    const baseUrl = urlOf(via);
    const transports: Transport[] = [
      createConnectTransport({ baseUrl, httpVersion: "1.1" }),
      createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }),
      createGrpcTransport({ baseUrl }),
    ];
    const firsts = transports.map((transport) =>
      firstOf(createClient(NotificationsService, transport).watchNotifications({}, { ...member.auth, signal: stop.signal }), 15_000),
    );
    await eventually(async () => (notifications.context.feed.watchers(member.userId) === 3 ? true : undefined), "every stream open");
    await platform.client(OrgsService).addMember({ orgId: organization!.orgId, userId: member.userId, role: MemberRole.MEMBER }, owner.auth);
    for (const notification of await Promise.all(firsts)) {
      t.like(notification, { userId: member.userId, kind: NotificationKind.ORG_MEMBER_ADDED, title: "You were added to Streamed Org" });
    }
  });

  test(`bad input from a REST client: 400 naming the field, from the real auth service, through the ${via}`, async (t) => {
    const res = await rest(urlOf(via), "POST", "/v1/auth/register", { email: "not-an-email", password: PASSWORD, display_name: "X" });
    t.is(res.status, 400);
    t.is(res.json.code, Code.InvalidArgument);
    const violations = res.json.details.find((d: { "@type": string }) => d["@type"].endsWith("BadRequest")).fieldViolations;
    t.true(violations.some((v: { field: string }) => v.field === "email"));
  });

  test(`no token is 401; an internal service is 404 even with a valid token, through the ${via}`, async (t) => {
    const baseUrl = urlOf(via);
    t.is((await rest(baseUrl, "GET", "/v1/me")).status, 401);
    const email = uniqueEmail("internal");
    await rest(baseUrl, "POST", "/v1/auth/register", { email, password: PASSWORD, display_name: "Prober" });
    const { json } = await rest(baseUrl, "POST", "/v1/auth/login", { email, password: PASSWORD });
    const internal = await rest(baseUrl, "POST", "/junction.auth.v1.InternalAuthService/GetUserRoles", { userId: json.userId }, json.accessToken);
    t.is(internal.status, 404);
  });
}

test("GetMe's call from users to orgs goes through Envoy's internal listener with the request's id, in one attempt", async (t) => {
  const user = await signUp(platform, "Composed");
  // Waiting on GetProfile, not GetMe, so that nothing GetMe composes is cached yet.
  await eventually(async () => ((await platform.client(UsersService).getProfile({ userId: user.userId }, user.auth)).profile ? true : undefined), "the profile");
  const res = await fetch(`${envoy.url}/v1/me`, { headers: { authorization: `Bearer ${user.accessToken}` } });
  t.is(res.status, 200);
  const requestId = res.headers.get("x-request-id");
  const hops = await eventually(async () => {
    const internal = envoy.accessLog.filter((entry) => entry.listener === "internal" && entry.request_id === requestId);
    return internal.some((e) => e.path === "/junction.orgs.v1.InternalOrgsService/ListUserOrganizations") ? internal : undefined;
  }, "users' calls for this request in Envoy's access log");
  t.true(hops.every((entry) => Number(entry.attempts) === 1 && Number(entry.status) === 200), JSON.stringify(hops));
});
