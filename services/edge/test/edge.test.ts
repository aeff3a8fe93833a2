// The edge against real upstream servers on loopback: REST transcoding from the annotations,
// Connect and gRPC-Web pass-through, access checks, errors as JSON with mapped statuses,
// internal services unreachable, rate limits, timeouts, CORS and request ids.
import test from "ava";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from "jose";
import { AuditService } from "@junction/gen/junction/audit/v1/audit_service_pb";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { NotificationsService, NotificationSchema } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { MemberRole, OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { UsersService } from "@junction/gen/junction/users/v1/users_service_pb";
import { allowedOrigins, bind, CommunicationPolicy, createAccessTokenVerifier, createLogger, invalidArgument, originAllowed, startServiceServer } from "@junction/platform";
import { startEdge } from "../src/edge.js";

const logger = createLogger("edge-test", "error");
const { publicKey, privateKey } = await generateKeyPair("EdDSA", { extractable: true });
const verifier = createAccessTokenVerifier({
  keys: createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "EdDSA" }] }),
});
const token = (sub = "u1", expiresIn: string | number = "5m") =>
  new SignJWT({ sid: "s1", roles: ["ROLE_USER"] })
    .setProtectedHeader({ alg: "EdDSA", kid: "k1" })
    .setSubject(sub)
    .setIssuer("junction-auth")
    .setAudience("junction")
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(privateKey);

// What the upstream saw, per call.
const seen: Array<{ rpc: string; message: unknown; headers: Record<string, string | null> }> = [];
const record = (rpc: string, message: unknown, header: Headers) =>
  seen.push({
    rpc,
    message,
    headers: {
      authorization: header.get("authorization"),
      requestId: header.get("x-request-id"),
      serviceToken: header.get("x-junction-service-token"),
      forwardedFor: header.get("x-forwarded-for"),
    },
  });

// One upstream server playing every public service.
const upstream = await startServiceServer({
  name: "upstream",
  port: 0,
  policy: CommunicationPolicy.load(new URL("../../../policy.yaml", import.meta.url).pathname),
  logger,
  services: [
    bind(OrgsService, {
      getOrganization: (req, ctx) => (record("GetOrganization", req, ctx.requestHeader), { organization: { orgId: req.orgId, name: "Acme" } }),
      createOrganization: (req, ctx) => {
        record("CreateOrganization", req, ctx.requestHeader);
        if (req.name === "bad") throw invalidArgument([{ field: "name", description: "must not be bad" }]);
        return { organization: { orgId: "o-new", name: req.name } };
      },
      listMembers: (req, ctx) => (record("ListMembers", req, ctx.requestHeader), { members: [{ userId: "u1", role: MemberRole.OWNER }] }),
      removeMember: (req, ctx) => (record("RemoveMember", req, ctx.requestHeader), {}),
      addMember: (req, ctx) => (record("AddMember", req, ctx.requestHeader), { member: { orgId: req.orgId, userId: req.userId, role: req.role } }),
    }),
    bind(UsersService, {
      updateProfile: (req, ctx) => (record("UpdateProfile", req, ctx.requestHeader), { profile: req.profile }),
      getMe: async (_req, ctx) => {
        record("GetMe", {}, ctx.requestHeader);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return {};
      },
    }),
    bind(NotificationsService, {
      markRead: (req, ctx) => (record("MarkRead", req, ctx.requestHeader), { notification: { notificationId: req.notificationId } }),
      async *watchNotifications(_req, ctx) {
        record("WatchNotifications", {}, ctx.requestHeader);
        for (const id of ["n1", "n2"]) yield { notification: create(NotificationSchema, { notificationId: id }) };
      },
    }),
    bind(AuditService, { verifyAuditChain: (req, ctx) => (record("VerifyAuditChain", req, ctx.requestHeader), { valid: true, entriesChecked: 3n }) }),
    bind(AuthService, {
      getJwks: (_req, ctx) => (record("GetJwks", {}, ctx.requestHeader), { keys: [{ kty: "OKP", kid: "k1", alg: "EdDSA", use: "sig", crv: "Ed25519", x: "abc" }] }),
    }),
  ],
});

// A policy with a short GetMe timeout, so the slow upstream shows the edge's 504.
const policyDir = mkdtempSync(join(tmpdir(), "junction-edge-"));
const policyFile = join(policyDir, "policy.yaml");
writeFileSync(
  policyFile,
  readFileSync(new URL("../../../policy.yaml", import.meta.url), "utf8").replace("UsersService/GetMe: { timeout: 3s }", "UsersService/GetMe: { timeout: 300ms }"),
);
const env = {
  JUNCTION_POLICY_FILE: policyFile,
  ...Object.fromEntries(["AUTH", "USERS", "ORGS", "NOTIFICATIONS", "AUDIT"].map((u) => [`JUNCTION_${u}_URL`, upstream.url])),
  JUNCTION_REDIS_NAMESPACE: `edge-test-${randomUUID()}`,
  JUNCTION_EDGE_RATE_LIMIT_PER_USER: "20",
  JUNCTION_SERVICE_SECRET: randomUUID() + randomUUID(),
  JUNCTION_EDGE_CORS_ORIGINS: "https://app.example",
  LOG_LEVEL: "error",
};
const edge = await startEdge({ env, port: 0, logger, verifier });
test.after.always(async () => {
  await edge.close();
  await upstream.close();
});

const rest = async (method: string, path: string, options: { body?: string | object; token?: string; headers?: Record<string, string> } = {}) => {
  const res = await fetch(`${edge.url}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
      ...options.headers,
    },
    body: typeof options.body === "object" ? JSON.stringify(options.body) : options.body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
};
const lastSeen = (rpc: string) => seen.filter((s) => s.rpc === rpc).at(-1);

test.serial("GET with a path variable reaches the RPC and answers proto3 JSON", async (t) => {
  const res = await rest("GET", "/v1/orgs/o-42", { token: await token() });
  t.is(res.status, 200);
  t.deepEqual(res.json, { organization: { orgId: "o-42", name: "Acme" } });
  t.like(lastSeen("GetOrganization")?.message, { orgId: "o-42" });
});

test.serial("POST body '*' maps the JSON body onto the request; the user token is forwarded", async (t) => {
  const jwt = await token();
  const res = await rest("POST", "/v1/orgs", { token: jwt, body: { name: "Initech" } });
  t.is(res.status, 200);
  t.is(res.json.organization.name, "Initech");
  t.is(lastSeen("CreateOrganization")?.headers.authorization, `Bearer ${jwt}`);
});

test.serial("query parameters fill fields (snake or camel case, numbers from strings)", async (t) => {
  const res = await rest("GET", "/v1/orgs/o1/members?page_size=5&pageToken=abc", { token: await token() });
  t.is(res.status, 200);
  t.like(lastSeen("ListMembers")?.message, { orgId: "o1", pageSize: 5, pageToken: "abc" });
  t.deepEqual(res.json.members, [{ userId: "u1", role: "MEMBER_ROLE_OWNER" }]);
});

test.serial("a body mapped to one field, an update mask from the query, DELETE and custom verbs", async (t) => {
  const jwt = await token();
  const patch = await rest("PATCH", "/v1/users/u1/profile?update_mask=displayName,bio", { token: jwt, body: { displayName: "Ada", bio: "hi" } });
  t.is(patch.status, 200);
  t.like(lastSeen("UpdateProfile")?.message, { userId: "u1", profile: { displayName: "Ada", bio: "hi" }, updateMask: { paths: ["display_name", "bio"] } });
  // People write proto field names in URLs; both spellings mean the same mask.
  const snake = await rest("PATCH", "/v1/users/u1/profile?update_mask=display_name,time_zone", { token: jwt, body: { displayName: "Ada" } });
  t.is(snake.status, 200);
  t.like(lastSeen("UpdateProfile")?.message, { updateMask: { paths: ["display_name", "time_zone"] } });
  t.is((await rest("DELETE", "/v1/orgs/o1/members/u2", { token: jwt })).status, 200);
  t.like(lastSeen("RemoveMember")?.message, { orgId: "o1", userId: "u2" });
  t.is((await rest("POST", "/v1/notifications/n7:read", { token: jwt })).status, 200);
  t.like(lastSeen("MarkRead")?.message, { notificationId: "n7" });
  const verify = await rest("POST", "/v1/audit:verify", { token: jwt, body: {} });
  t.deepEqual(verify.json, { valid: true, entriesChecked: "3" }, "int64 is a string in proto3 JSON");
});

test.serial("an anonymous route needs no token and answers a standard JWKS", async (t) => {
  const res = await rest("GET", "/.well-known/jwks.json");
  t.is(res.status, 200);
  t.deepEqual(res.json, { keys: [{ kty: "OKP", kid: "k1", alg: "EdDSA", use: "sig", crv: "Ed25519", x: "abc" }] });
});

test.serial("no token or an expired token gets 401 with a JSON error", async (t) => {
  const none = await rest("GET", "/v1/orgs/o1");
  t.is(none.status, 401);
  t.is(none.json.code, Code.Unauthenticated);
  t.regex(none.json.message, /access token is required/);
  const expired = await rest("GET", "/v1/orgs/o1", { token: await token("u1", Math.floor(Date.now() / 1000) - 60) });
  t.is(expired.status, 401);
  t.like(expired.json.details[0], { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "TOKEN_EXPIRED" });
});

test.serial("malformed JSON, an unknown field and a wrong type each get 400 with a clear message", async (t) => {
  const jwt = await token();
  const before = seen.length;
  const malformed = await rest("POST", "/v1/orgs", { token: jwt, body: "{name: " });
  t.is(malformed.status, 400);
  t.regex(malformed.json.message, /not valid JSON/);
  const unknown = await rest("POST", "/v1/orgs", { token: jwt, body: { name: "x", colour: "red" } });
  t.is(unknown.status, 400);
  t.regex(unknown.json.message, /"colour" is unknown/);
  const wrongType = await rest("POST", "/v1/orgs", { token: jwt, body: { name: 42 } });
  t.is(wrongType.status, 400);
  t.regex(wrongType.json.message, /name.*expected string/);
  t.like(wrongType.json.details[0], { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "name" }] });
  const badEnum = await rest("POST", "/v1/orgs/o1/members", { token: jwt, body: { userId: "u2", role: "MEMBER_ROLE_KING" } });
  t.is(badEnum.status, 400);
  t.is(seen.length, before, "nothing reached the service");
});

test.serial("a service's INVALID_ARGUMENT comes back as 400 with its field violations", async (t) => {
  const res = await rest("POST", "/v1/orgs", { token: await token(), body: { name: "bad" } });
  t.is(res.status, 400);
  t.deepEqual(res.json.details.find((d: { "@type": string }) => d["@type"].endsWith("BadRequest")).fieldViolations, [
    { field: "name", description: "must not be bad" },
  ]);
});

test.serial("internal services are not reachable: RPC paths and unknown REST paths are 404", async (t) => {
  const internal = await fetch(`${edge.url}/junction.auth.v1.InternalAuthService/GetUserRoles`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await token()}` },
    body: JSON.stringify({ userId: "u1" }),
  });
  t.is(internal.status, 404);
  t.is((await rest("GET", "/v1/internal/roles", { token: await token() })).status, 404);
  t.is((await rest("PUT", "/v1/orgs/o1", { token: await token() })).status, 405);
});

test.serial("Connect and gRPC-Web clients reach public services through the edge, including a server stream", async (t) => {
  const jwt = await token();
  const connect = createClient(OrgsService, createConnectTransport({ baseUrl: edge.url, httpVersion: "1.1" }));
  const res = await connect.getOrganization({ orgId: "o-connect" }, { headers: { authorization: `Bearer ${jwt}` } });
  t.is(res.organization?.orgId, "o-connect");
  const grpcWeb = createClient(NotificationsService, createGrpcWebTransport({ baseUrl: edge.url, httpVersion: "1.1" }));
  const ids: string[] = [];
  for await (const message of grpcWeb.watchNotifications({}, { headers: { authorization: `Bearer ${jwt}` } })) ids.push(message.notification!.notificationId);
  t.deepEqual(ids, ["n1", "n2"]);
  const anonymous = await t.throwsAsync(connect.getOrganization({ orgId: "o" }));
  t.is(ConnectError.from(anonymous).code, Code.Unauthenticated);
});

test.serial("a slow upstream gets 504 at the route's timeout", async (t) => {
  const started = Date.now();
  const res = await rest("GET", "/v1/me", { token: await token("slow-user") });
  t.is(res.status, 504);
  t.true(Date.now() - started < 1200, "answered at the 300ms route timeout, not after the upstream's 1.5s");
});

test.serial("over the per-user rate limit the edge answers 429 with Retry-After", async (t) => {
  const jwt = await token(`busy-${randomUUID()}`);
  const statuses: number[] = [];
  for (let i = 0; i < 22; i++) statuses.push((await rest("GET", "/v1/orgs/o1", { token: jwt })).status);
  t.is(statuses.filter((s) => s === 200).length, 20);
  const limited = await rest("GET", "/v1/orgs/o1", { token: jwt });
  t.is(limited.status, 429);
  t.true(Number(limited.headers.get("retry-after")) >= 1);
  t.is(limited.json.code, Code.ResourceExhausted);
  t.is(limited.headers.get("x-junction-rate-limit"), "user");
});

test.serial("request ids: a fresh one for every request, whatever the client sent, on the response and upstream", async (t) => {
  const res = await rest("GET", "/v1/orgs/o1", { token: await token(), headers: { "x-request-id": "client-req-1" } });
  const id = res.headers.get("x-request-id") ?? "";
  t.regex(id, /^[0-9a-f-]{36}$/);
  t.is(lastSeen("GetOrganization")?.headers.requestId, id);
  const generated = await rest("GET", "/v1/orgs/o1");
  t.regex(generated.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  t.not(generated.headers.get("x-request-id"), id);
});

test.serial("internal headers from clients are stripped; the client's address is forwarded", async (t) => {
  await rest("GET", "/v1/orgs/o-hdr", { token: await token(), headers: { "x-junction-service-token": "smuggled", "x-forwarded-for": "6.6.6.6" } });
  const call = lastSeen("GetOrganization")!;
  // What arrives is the edge's own service token, never the client's.
  t.not(call.headers.serviceToken, "smuggled");
  t.regex(call.headers.serviceToken ?? "", /^eyJ/);
  t.regex(call.headers.forwardedFor ?? "", /127\.0\.0\.1/);
});

test.serial("CORS preflight is answered and responses expose the gRPC and request-id headers", async (t) => {
  const preflight = await fetch(`${edge.url}/v1/orgs`, {
    method: "OPTIONS",
    headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
  });
  t.is(preflight.status, 200);
  t.is(preflight.headers.get("access-control-allow-origin"), "https://app.example");
  t.regex(preflight.headers.get("access-control-allow-headers") ?? "", /Authorization/);
  const res = await fetch(`${edge.url}/.well-known/jwks.json`, { headers: { origin: "https://app.example" } });
  t.regex(res.headers.get("access-control-expose-headers") ?? "", /Grpc-Status/i);
});

test.serial("CORS answers only the configured origins: another origin, or the opaque origin null, gets no CORS headers", async (t) => {
  for (const origin of ["https://evil.example", "null", "http://localhost:3000", "https://app.example.evil"]) {
    const preflight = await fetch(`${edge.url}/v1/orgs`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
    t.is(preflight.headers.get("access-control-allow-origin"), null, origin);
    const res = await fetch(`${edge.url}/.well-known/jwks.json`, { headers: { origin } });
    t.is(res.headers.get("access-control-allow-origin"), null, origin);
  }
});

test("CORS origins: none by default, localhost only in development mode, \"*\" any web origin but never null; bad origins refused at start", (t) => {
  const none = allowedOrigins([]);
  t.false(originAllowed(none, "https://app.example"));
  t.false(originAllowed(none, "http://localhost:3000"));
  const development = allowedOrigins([], { JUNCTION_DEV_MODE: "true" });
  t.true(originAllowed(development, "http://localhost:3000"));
  t.true(originAllowed(development, "http://127.0.0.1"));
  t.true(originAllowed(development, "http://[::1]:8080"));
  t.false(originAllowed(development, "http://localhost.evil.example"));
  t.false(originAllowed(development, "null"));
  const any = allowedOrigins([], { JUNCTION_EDGE_CORS_ORIGINS: "*" });
  t.true(originAllowed(any, "https://anything.example:8443"));
  t.false(originAllowed(any, "null"));
  t.false(originAllowed(any, "file://"));
  const listed = allowedOrigins(["https://a.example"], { JUNCTION_EDGE_CORS_ORIGINS: "https://b.example, https://c.example:8443" });
  t.false(originAllowed(listed, "https://a.example"), "the variable replaces the manifest's list");
  t.true(originAllowed(listed, "https://c.example:8443"));
  for (const bad of ["null", "app.example", "https://app.example/", "https://app.example/path", "ftp://app.example"]) {
    t.throws(() => allowedOrigins([], { JUNCTION_EDGE_CORS_ORIGINS: bad }), { message: /JUNCTION_EDGE_CORS_ORIGINS: .* is not an origin/ }, bad);
  }
});

test.serial("/healthz reports every upstream's health and breaker state", async (t) => {
  const res = await fetch(`${edge.url}/healthz`);
  t.is(res.status, 200);
  const body = (await res.json()) as { upstreams: Record<string, { status: string; breaker: string }> };
  t.deepEqual(Object.keys(body.upstreams).sort(), ["audit", "auth", "notifications", "orgs", "users"]);
  t.like(body.upstreams.orgs, { status: "SERVING" });
  t.truthy(body.upstreams.orgs?.breaker);
});
