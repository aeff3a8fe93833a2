import test from "ava";
import { Code, type Interceptor } from "@connectrpc/connect";
import { Role } from "@junction/gen/junction/auth/v1/role_pb";
import { ConfigError } from "../../src/config.js";
import {
  INSECURE_DEV_SERVICE_SECRET,
  SERVICE_TOKEN_HEADER,
  createServiceTokenIssuer,
  serviceSecretFromEnv,
  serviceTokenInterceptor,
  verifyServiceToken,
} from "../../src/identity/service-credentials.js";
import { accessToken, assertRefused } from "./fixtures.js";
import { SHARED_SECRET, bearer, startTestServices } from "./test-services.js";

/** A client interceptor that sends `value` as the service token header. */
function sendServiceToken(value: string): Interceptor {
  return (next) => (req) => {
    req.header.set(SERVICE_TOKEN_HEADER, value);
    return next(req);
  };
}

test("an internal RPC without a service token is refused, even with a valid user bearer token", async (t) => {
  const services = await startTestServices(t);
  const { internal } = services.clients();
  const userToken = await accessToken(services.key, { roles: ["ROLE_USER", "ROLE_ADMIN"] });

  await assertRefused(t, internal.getUserRoles({ userId: "u-1" }), Code.Unauthenticated, "SERVICE_CREDENTIALS_REQUIRED");
  await assertRefused(t, internal.getUserRoles({ userId: "u-1" }, bearer(userToken)), Code.Unauthenticated, "SERVICE_CREDENTIALS_REQUIRED");
  t.deepEqual(services.seen, []);
});

test("a service token signed with another secret, or a user token in the service header, is refused", async (t) => {
  const services = await startTestServices(t);
  const forger = createServiceTokenIssuer("users", new TextEncoder().encode("some-other-secret-0123456789-abcdef"));
  const forged = services.clients([serviceTokenInterceptor(forger)]).internal;
  await assertRefused(t, forged.getUserRoles({ userId: "u-1" }), Code.Unauthenticated, "SERVICE_CREDENTIALS_INVALID");

  const userToken = await accessToken(services.key);
  const smuggled = services.clients([sendServiceToken(userToken)]).internal;
  await assertRefused(t, smuggled.getUserRoles({ userId: "u-1" }, bearer(userToken)), Code.Unauthenticated, "SERVICE_CREDENTIALS_INVALID");

  const garbage = services.clients([sendServiceToken("garbage")]).internal;
  await assertRefused(t, garbage.getUserRoles({ userId: "u-1" }), Code.Unauthenticated, "SERVICE_CREDENTIALS_INVALID");
  t.deepEqual(services.seen, []);
});

test("with the client interceptor the call succeeds, the handler sees the calling service, and one token serves many calls", async (t) => {
  const services = await startTestServices(t);
  const issuer = createServiceTokenIssuer("users", SHARED_SECRET);
  const { internal } = services.clients([serviceTokenInterceptor(issuer)]);

  const reply = await internal.getUserRoles({ userId: "u-9" });
  t.is(reply.userId, "u-9");
  t.deepEqual(reply.roles, [Role.USER]);
  await internal.getUserRoles({ userId: "u-10" });
  await Promise.all([internal.getUserRoles({ userId: "u-11" }), internal.getUserRoles({ userId: "u-12" })]);

  t.is(issuer.minted, 1);
  t.deepEqual(
    services.seen.map((seen) => seen.service),
    ["users", "users", "users", "users"],
  );
});

test("service and user identities travel together: an internal admin RPC sees both", async (t) => {
  const services = await startTestServices(t);
  const { internal } = services.clients([serviceTokenInterceptor(createServiceTokenIssuer("orgs", SHARED_SECRET))]);

  const user = await accessToken(services.key, { sub: "plain", roles: ["ROLE_USER"] });
  await assertRefused(t, internal.setUserRoles({ userId: "u-1", roles: [Role.ADMIN] }, bearer(user)), Code.PermissionDenied, "ROLE_REQUIRED");

  const admin = await accessToken(services.key, { sub: "boss", roles: ["ROLE_ADMIN"] });
  await internal.setUserRoles({ userId: "u-1", roles: [Role.ADMIN] }, bearer(admin));
  t.like(services.seen.at(-1), { rpc: "SetUserRoles", service: "orgs", user: { userId: "boss" } });
});

test("public RPCs need no service token, but record a valid one and refuse a bad one", async (t) => {
  const services = await startTestServices(t);
  await services.clients().auth.getJwks({});
  await services.clients([serviceTokenInterceptor(createServiceTokenIssuer("edge", SHARED_SECRET))]).auth.getJwks({});
  t.deepEqual(
    services.seen.map((seen) => seen.service),
    [undefined, "edge"],
  );
  await assertRefused(t, services.clients([sendServiceToken("garbage")]).auth.getJwks({}), Code.Unauthenticated, "SERVICE_CREDENTIALS_INVALID");
});

test("services named explicitly are internal too", async (t) => {
  const services = await startTestServices(t, { internalServices: ["junction.auth.v1.AuthService"] });
  await assertRefused(t, services.clients().auth.getJwks({}), Code.Unauthenticated, "SERVICE_CREDENTIALS_REQUIRED");
  await services.clients([serviceTokenInterceptor(createServiceTokenIssuer("edge", SHARED_SECRET))]).auth.getJwks({});
  t.is(services.seen.at(-1)?.service, "edge");
});

test("a cached token is renewed a minute before it expires", async (t) => {
  let now = Date.parse("2030-01-01T00:00:00Z");
  const issuer = createServiceTokenIssuer("users", SHARED_SECRET, () => now);
  const first = await issuer.token();
  now += 3 * 60_000;
  t.is(await issuer.token(), first);
  now += 60_000 + 1; // 4 minutes in: within a minute of the 5-minute expiry
  const second = await issuer.token();
  t.not(second, first);
  t.is(issuer.minted, 2);
});

test("verifyServiceToken returns the calling service and rejects tokens past their lifetime", async (t) => {
  t.is(await verifyServiceToken(await createServiceTokenIssuer("audit", SHARED_SECRET).token(), SHARED_SECRET), "audit");
  const stale = await createServiceTokenIssuer("audit", SHARED_SECRET, () => Date.now() - 10 * 60_000).token();
  await assertRefused(t, verifyServiceToken(stale, SHARED_SECRET), Code.Unauthenticated, "SERVICE_CREDENTIALS_INVALID");
  await assertRefused(t, verifyServiceToken(undefined, SHARED_SECRET), Code.Unauthenticated, "SERVICE_CREDENTIALS_REQUIRED");
});

test("the service secret comes from JUNCTION_SERVICE_SECRET; the public default works only in development mode, with a warning", (t) => {
  const warnings: string[] = [];
  const log = { warn: (message: string) => warnings.push(message) };

  const configured = serviceSecretFromEnv({ JUNCTION_SERVICE_SECRET: "a-real-secret-of-at-least-32-chars!!" }, log);
  t.is(new TextDecoder().decode(configured), "a-real-secret-of-at-least-32-chars!!");
  t.deepEqual(warnings, []);

  const refused = t.throws(() => serviceSecretFromEnv({}, log), { instanceOf: ConfigError });
  t.regex(refused!.message, /JUNCTION_SERVICE_SECRET: must be set .*JUNCTION_DEV_MODE=true/);
  t.throws(() => serviceSecretFromEnv({ JUNCTION_DEV_MODE: "false" }, log), { instanceOf: ConfigError });
  t.deepEqual(warnings, []);

  t.is(new TextDecoder().decode(serviceSecretFromEnv({ JUNCTION_DEV_MODE: "true" }, log)), INSECURE_DEV_SERVICE_SECRET);
  t.is(warnings.length, 1);

  t.throws(() => serviceSecretFromEnv({ JUNCTION_SERVICE_SECRET: "short" }, log), { instanceOf: ConfigError });
});
