// The session registry against the real Redis: auth opens and revokes sessions, and the
// interceptor every service installs refuses tokens whose session has ended.
import test from "ava";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { createLocalJWKSet } from "jose";
import { createAccessTokenVerifier } from "../../src/identity/access-tokens.js";
import { requireUser, userAuthenticationInterceptor } from "../../src/identity/caller.js";
import { SessionRegistry, sessionCheckInterceptor } from "../../src/identity/sessions.js";
import { testRedis } from "../support/redis.js";
import { accessToken, assertRefused, signingKey, startRpcServer } from "./fixtures.js";
import { bearer } from "./test-services.js";

const opened = (sessionId: string, userId = "u-1") => ({ sessionId, userId, createdAt: new Date("2026-01-01T00:00:00Z"), clientIp: "203.0.113.9" });

test("an opened session is active for its own user only, with a TTL, until revoked", async (t) => {
  const { redis, namespace } = await testRedis(t);
  const sessions = new SessionRegistry(redis, namespace);
  await sessions.open(opened("s-1"), 600);

  t.true(await sessions.isActive("s-1", "u-1"));
  t.false(await sessions.isActive("s-1", "someone-else"));
  t.like(await sessions.get("s-1"), { userId: "u-1", clientIp: "203.0.113.9", userAgent: undefined });
  const ttl = await redis.ttl(sessions.sessionKey("s-1"));
  t.true(ttl > 590 && ttl <= 600);

  t.true(await sessions.revoke("s-1"));
  t.false(await sessions.isActive("s-1", "u-1"));
  t.false(await sessions.revoke("s-1"), "revoking twice is harmless");
  t.is(await sessions.get("s-1"), undefined);
});

test("revokeAllOf ends every session of a user and no one else's", async (t) => {
  const { redis, namespace } = await testRedis(t);
  const sessions = new SessionRegistry(redis, namespace);
  await sessions.open(opened("a"), 60);
  await sessions.open(opened("b"), 600);
  await sessions.open(opened("c", "u-2"), 60);
  t.true((await redis.ttl(sessions.userSessionsKey("u-1"))) > 590, "the user's set lives as long as the longest session");

  t.is(await sessions.revokeAllOf("u-1"), 2);
  t.false(await sessions.isActive("a", "u-1"));
  t.false(await sessions.isActive("b", "u-1"));
  t.true(await sessions.isActive("c", "u-2"));
  t.is(await sessions.revokeAllOf("u-1"), 0);
});

test("the session check refuses a valid token whose session was revoked, with SESSION_REVOKED", async (t) => {
  const { redis, namespace } = await testRedis(t);
  const sessions = new SessionRegistry(redis, namespace);
  const key = await signingKey("k1");
  const verifier = createAccessTokenVerifier({ keys: createLocalJWKSet({ keys: [key.publicJwk] }) });
  const url = await startRpcServer(
    t,
    (router) => router.service(AuthService, { logout: (_req, ctx) => (requireUser(ctx), {}) }),
    [userAuthenticationInterceptor(verifier), sessionCheckInterceptor(sessions)],
  );
  const auth = createClient(AuthService, createGrpcTransport({ baseUrl: url }));
  await sessions.open(opened("s-live"), 60);
  const token = await accessToken(key, { sub: "u-1", sid: "s-live" });

  await t.notThrowsAsync(auth.logout({}, bearer(token)));
  await sessions.revoke("s-live");
  await assertRefused(t, auth.logout({}, bearer(token)), Code.Unauthenticated, "SESSION_REVOKED");
  await assertRefused(t, auth.logout({}, bearer(await accessToken(key, { sub: "u-1", sid: "never-opened" }))), Code.Unauthenticated, "SESSION_REVOKED");
});

test("without a session store the check answers UNAVAILABLE, not a refusal", async (t) => {
  const key = await signingKey("k1");
  const verifier = createAccessTokenVerifier({ keys: createLocalJWKSet({ keys: [key.publicJwk] }) });
  const broken = { isActive: () => Promise.reject(new Error("connection refused")) };
  const url = await startRpcServer(
    t,
    (router) => router.service(AuthService, { logout: () => ({}) }),
    [userAuthenticationInterceptor(verifier), sessionCheckInterceptor(broken)],
  );
  const auth = createClient(AuthService, createGrpcTransport({ baseUrl: url }));
  await assertRefused(t, auth.logout({}, bearer(await accessToken(key))), Code.Unavailable, "SESSION_STORE_UNAVAILABLE");
});
