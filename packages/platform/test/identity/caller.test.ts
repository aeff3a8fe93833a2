import test from "ava";
import { Code } from "@connectrpc/connect";
import { accessToken, assertRefused, signingKey } from "./fixtures.js";
import { bearer, startTestServices } from "./test-services.js";

test("a valid bearer token is verified and its claims reach the handler", async (t) => {
  const services = await startTestServices(t);
  const { auth } = services.clients();
  const token = await accessToken(services.key, { sub: "u-1", sid: "s-1", roles: ["ROLE_USER"] });

  await auth.logout({}, bearer(token));

  const [seen] = services.seen;
  t.is(seen?.rpc, "Logout");
  t.is(seen?.user?.userId, "u-1");
  t.is(seen?.user?.sessionId, "s-1");
  t.deepEqual(seen?.user?.roles, ["ROLE_USER"]);
  t.is(seen?.service, undefined);
});

test("without an Authorization header the call is anonymous; requireUser refuses it with TOKEN_MISSING", async (t) => {
  const services = await startTestServices(t);
  const { auth } = services.clients();

  await auth.getJwks({});
  t.deepEqual(services.seen, [{ rpc: "GetJwks", user: undefined, service: undefined }]);

  await assertRefused(t, auth.logout({}), Code.Unauthenticated, "TOKEN_MISSING");
});

test("an expired token is refused before the handler runs, even on an anonymous RPC", async (t) => {
  const services = await startTestServices(t);
  const { auth } = services.clients();
  const expired = await accessToken(services.key, { expiresIn: -120 });

  await assertRefused(t, auth.getJwks({}, bearer(expired)), Code.Unauthenticated, "TOKEN_EXPIRED");
  await assertRefused(t, auth.logout({}, bearer(expired)), Code.Unauthenticated, "TOKEN_EXPIRED");
  t.deepEqual(services.seen, []);
});

test("wrong audience, wrong issuer, a foreign signature or a non-bearer scheme are TOKEN_INVALID", async (t) => {
  const services = await startTestServices(t);
  const { auth } = services.clients();
  const foreign = await signingKey("k1");

  await assertRefused(t, auth.logout({}, bearer(await accessToken(services.key, { aud: "elsewhere" }))), Code.Unauthenticated, "TOKEN_INVALID");
  await assertRefused(t, auth.logout({}, bearer(await accessToken(services.key, { iss: "mallory" }))), Code.Unauthenticated, "TOKEN_INVALID");
  await assertRefused(t, auth.logout({}, bearer(await accessToken(foreign))), Code.Unauthenticated, "TOKEN_INVALID");
  await assertRefused(t, auth.logout({}, { headers: { authorization: "Basic dXNlcjpwYXNz" } }), Code.Unauthenticated, "TOKEN_INVALID");
  t.deepEqual(services.seen, []);
});

test("requireRole: PERMISSION_DENIED ROLE_REQUIRED without the role, OK with it", async (t) => {
  const services = await startTestServices(t);
  const { auth } = services.clients();

  const user = await accessToken(services.key, { sub: "plain", roles: ["ROLE_USER"] });
  await assertRefused(t, auth.verifyEmail({ token: "x" }, bearer(user)), Code.PermissionDenied, "ROLE_REQUIRED");
  await assertRefused(t, auth.verifyEmail({ token: "x" }), Code.Unauthenticated, "TOKEN_MISSING");

  const admin = await accessToken(services.key, { sub: "boss", roles: ["ROLE_USER", "ROLE_ADMIN"] });
  t.is((await auth.verifyEmail({ token: "x" }, bearer(admin))).userId, "boss");
});

test("a JWKS outage is UNAVAILABLE JWKS_UNAVAILABLE for the caller", async (t) => {
  const services = await startTestServices(t);
  const { auth } = services.clients();
  services.jwks.fail();

  await assertRefused(t, auth.logout({}, bearer(await accessToken(services.key))), Code.Unavailable, "JWKS_UNAVAILABLE");
});
