// The real grpcurl (var/tools/bin, installed by `npm run setup`) against every running service:
// listing, describing and calling through server reflection alone, health checks, internal RPCs
// refused without service credentials, and a public RPC through the edge with the committed
// descriptor set, as README.md shows users.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { startEdge } from "@junction/edge";
import { createLogger, type ServiceServer } from "@junction/platform";
import { allServices } from "./support/junction.js";
import { repositoryRoot, tool } from "../packages/platform/test/support/tools.js";
import { PASSWORD, uniqueEmail } from "./support/accounts.js";
import { runCommand, runOk } from "./support/cli.js";
import { TestPlatform, eventually } from "./support/platform.js";
import { startAudit, startAuth, startNotifications, startOrgs, startUsers } from "./support/services.js";

const grpcurl = tool("grpcurl");
const SERVICES = ["auth", "users", "orgs", "notifications", "audit"] as const;
let platform: TestPlatform;
let edge: ServiceServer;
let mailDir: string;

test.before(async () => {
  platform = await TestPlatform.create(undefined);
  mailDir = await mkdtemp(join(tmpdir(), "junction-grpcurl-mail-"));
  await platform.start("auth", startAuth);
  await platform.start("users", startUsers);
  await platform.start("orgs", startOrgs);
  await platform.start("notifications", startNotifications, { JUNCTION_MAIL_DIR: mailDir });
  await platform.start("audit", startAudit);
  edge = await startEdge({ port: 0, env: platform.env, logger: createLogger("edge", "error") });
});
test.after.always(async () => {
  await edge?.close();
  await platform?.close();
  await rm(mailDir, { recursive: true, force: true });
});

const address = (name: (typeof SERVICES)[number]) => new URL(platform.url(name)).host;
/** grpcurl against `target` with `args`; JSON out of a successful call. */
const call = async (target: string, method: string, body: unknown = {}, headers: Record<string, string> = {}) =>
  JSON.parse(await runOk(grpcurl, ["-plaintext", ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]), "-d", JSON.stringify(body), target, method])) as Record<string, unknown>;

async function signUp(): Promise<{ userId: string; token: string }> {
  const email = uniqueEmail("grpcurl");
  const auth = address("auth");
  const { userId } = (await call(auth, "junction.auth.v1.AuthService/Register", { email, password: PASSWORD, display_name: "Grace" })) as { userId: string };
  const login = (await call(auth, "junction.auth.v1.AuthService/Login", { email, password: PASSWORD })) as { accessToken: string };
  return { userId, token: login.accessToken };
}

test("grpcurl lists every service of every port through reflection alone", async (t) => {
  for (const name of SERVICES) {
    const listed = (await runOk(grpcurl, ["-plaintext", address(name), "list"])).trim().split("\n");
    const own = allServices.filter((s) => s.typeName.split(".")[1] === name).map((s) => s.typeName);
    t.true(own.length > 0);
    for (const service of [...own, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]) {
      t.true(listed.includes(service), `${name} lists ${service}: ${listed.join(", ")}`);
    }
  }
});

test("grpcurl describes every RPC and its messages without proto files", async (t) => {
  for (const service of allServices) {
    const name = service.typeName.split(".")[1] as (typeof SERVICES)[number];
    const described = await runOk(grpcurl, ["-plaintext", address(name), "describe", service.typeName]);
    t.regex(described, new RegExp(`${service.typeName} is a service`));
    for (const method of service.methods) {
      t.true(described.includes(`rpc ${method.name} (`), `${service.typeName} describes ${method.name}`);
      const input = await runOk(grpcurl, ["-plaintext", address(name), "describe", method.input.typeName]);
      t.regex(input, new RegExp(`${method.input.typeName.replaceAll(".", "\\.")} is a message`));
    }
  }
});

test("grpcurl calls public RPCs on every service with a bearer token", async (t) => {
  const { userId, token } = await signUp();
  const bearer = { authorization: `Bearer ${token}` };
  const me = await eventually(async () => {
    const answer = await call(address("users"), "junction.users.v1.UsersService/GetMe", {}, bearer);
    return (answer.profile as { displayName?: string } | undefined)?.displayName ? answer : undefined;
  }, "GetMe to show the new profile");
  t.is((me.identity as { userId: string }).userId, userId);
  const created = (await call(address("orgs"), "junction.orgs.v1.OrgsService/CreateOrganization", { name: "Compilers Inc" }, bearer)) as {
    organization: { orgId: string; name: string };
  };
  t.is(created.organization.name, "Compilers Inc");
  const members = (await call(address("orgs"), "junction.orgs.v1.OrgsService/ListMembers", { org_id: created.organization.orgId }, bearer)) as { members: unknown[] };
  t.is(members.members.length, 1);
  const member = await signUp();
  await eventually(
    () => call(address("orgs"), "junction.orgs.v1.OrgsService/AddMember", { org_id: created.organization.orgId, user_id: member.userId, role: "MEMBER_ROLE_MEMBER" }, bearer),
    "orgs to know the new user",
  );
  const inbox = await eventually(async () => {
    const answer = (await call(address("notifications"), "junction.notifications.v1.NotificationsService/ListNotifications", {}, { authorization: `Bearer ${member.token}` })) as {
      notifications?: Array<{ title: string }>;
    };
    return (answer.notifications?.length ?? 0) > 0 ? answer : undefined;
  }, "the new member's notice");
  t.regex(inbox.notifications![0]!.title, /Compilers Inc/);

  // Errors come back as gRPC status codes grpcurl names.
  const denied = await runCommand(grpcurl, ["-plaintext", "-H", `authorization: Bearer ${token}`, "-d", "{}", address("audit"), "junction.audit.v1.AuditService/QueryAuditLog"]);
  t.not(denied.code, 0);
  t.regex(denied.stderr, /Code: PermissionDenied/);
  const anonymous = await runCommand(grpcurl, ["-plaintext", "-d", "{}", address("users"), "junction.users.v1.UsersService/GetMe"]);
  t.regex(anonymous.stderr, /Code: Unauthenticated/);
  const invalid = await runCommand(grpcurl, ["-plaintext", "-d", '{"email":"not-an-email","password":"x"}', address("auth"), "junction.auth.v1.AuthService/Register"]);
  t.regex(invalid.stderr, /Code: InvalidArgument/);
  t.regex(invalid.stderr, /google\.rpc\.BadRequest/);
});

test("grpcurl checks the health of every service, overall and per service", async (t) => {
  for (const name of SERVICES) {
    t.deepEqual(await call(address(name), "grpc.health.v1.Health/Check"), { status: "SERVING" }, name);
    for (const service of allServices.filter((s) => s.typeName.split(".")[1] === name)) {
      t.deepEqual(await call(address(name), "grpc.health.v1.Health/Check", { service: service.typeName }), { status: "SERVING" }, service.typeName);
    }
    const unknown = await runCommand(grpcurl, ["-plaintext", "-d", '{"service":"no.such.Service"}', address(name), "grpc.health.v1.Health/Check"]);
    t.regex(unknown.stderr, /Code: NotFound/);
  }
});

test("internal RPCs refuse grpcurl without service credentials, whatever headers it sends", async (t) => {
  const { userId, token } = await signUp();
  for (const headers of [[], ["-H", `authorization: Bearer ${token}`], ["-H", "x-junction-service-token: forged"]]) {
    const refused = await runCommand(grpcurl, ["-plaintext", ...headers, "-d", JSON.stringify({ user_id: userId }), address("auth"), "junction.auth.v1.InternalAuthService/GetUserRoles"]);
    t.not(refused.code, 0);
    // With a forged token grpcurl's reflection request is refused first; either way: Unauthenticated.
    t.regex(refused.stderr, /(Code: |code = )Unauthenticated/);
  }
});

test("grpcurl calls public RPCs through the edge with the committed descriptor set, never internal ones", async (t) => {
  const target = new URL(edge.url).host;
  const protoset = ["-plaintext", "-protoset", `${repositoryRoot}envoy/descriptors.binpb`];
  const jwks = JSON.parse(await runOk(grpcurl, [...protoset, "-d", "{}", target, "junction.auth.v1.AuthService/GetJwks"])) as { keys: Array<{ kty: string }> };
  t.true(jwks.keys.length > 0);
  const email = uniqueEmail("edge-grpcurl");
  await runOk(grpcurl, [...protoset, "-d", JSON.stringify({ email, password: PASSWORD, display_name: "Edge" }), target, "junction.auth.v1.AuthService/Register"]);
  const login = JSON.parse(await runOk(grpcurl, [...protoset, "-d", JSON.stringify({ email, password: PASSWORD }), target, "junction.auth.v1.AuthService/Login"])) as { accessToken: string };
  t.truthy(login.accessToken);
  const internal = await runCommand(grpcurl, [...protoset, "-d", "{}", target, "junction.auth.v1.InternalAuthService/GetUserRoles"]);
  t.not(internal.code, 0);
  t.regex(internal.stderr, /Code: (NotFound|Unimplemented)/);
});
