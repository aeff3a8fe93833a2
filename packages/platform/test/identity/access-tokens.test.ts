import test from "ava";
import { Code } from "@connectrpc/connect";
import { SignJWT, createLocalJWKSet } from "jose";
import { createAccessTokenVerifier } from "../../src/identity/access-tokens.js";
import { accessToken, assertRefused, closedPort, signingKey, startJwksServer } from "./fixtures.js";

test("a valid token yields its claims, and the key set is fetched once for many tokens", async (t) => {
  const key = await signingKey("k1");
  const jwks = await startJwksServer(t, [key]);
  const verifier = createAccessTokenVerifier({ jwksUrl: jwks.url });

  const claims = await verifier.verify(await accessToken(key, { sub: "u-42", sid: "s-7", roles: ["ROLE_USER", "ROLE_ADMIN"] }));
  t.is(claims.userId, "u-42");
  t.is(claims.sessionId, "s-7");
  t.deepEqual(claims.roles, ["ROLE_USER", "ROLE_ADMIN"]);
  t.is(claims.issuer, "junction-auth");
  t.deepEqual(claims.audience, ["junction"]);
  t.true(claims.expiresAt.getTime() > Date.now() + 200_000);

  await verifier.verify(await accessToken(key, { sub: "u-43" }));
  t.is(jwks.fetches, 1);
});

test("ES256 keys are accepted too", async (t) => {
  const key = await signingKey("ec1", "ES256");
  const jwks = await startJwksServer(t, [key]);
  const claims = await createAccessTokenVerifier({ jwksUrl: jwks.url }).verify(await accessToken(key));
  t.is(claims.userId, "user-1");
});

test("an expired token is TOKEN_EXPIRED", async (t) => {
  const key = await signingKey("k1");
  const jwks = await startJwksServer(t, [key]);
  const verifier = createAccessTokenVerifier({ jwksUrl: jwks.url });
  await assertRefused(t, verifier.verify(await accessToken(key, { expiresIn: -60 })), Code.Unauthenticated, "TOKEN_EXPIRED");
});

test("wrong audience, wrong issuer, a foreign signature or a symmetric algorithm are TOKEN_INVALID", async (t) => {
  const key = await signingKey("k1");
  const impostor = await signingKey("k1"); // same kid, different private key
  const jwks = await startJwksServer(t, [key]);
  const verifier = createAccessTokenVerifier({ jwksUrl: jwks.url });

  await assertRefused(t, verifier.verify(await accessToken(key, { aud: "someone-else" })), Code.Unauthenticated, "TOKEN_INVALID");
  await assertRefused(t, verifier.verify(await accessToken(key, { iss: "evil-auth" })), Code.Unauthenticated, "TOKEN_INVALID");
  await assertRefused(t, verifier.verify(await accessToken(impostor)), Code.Unauthenticated, "TOKEN_INVALID");
  const hs256 = await new SignJWT({ sid: "s" })
    .setProtectedHeader({ alg: "HS256", kid: "k1" })
    .setSubject("user-1")
    .setIssuer("junction-auth")
    .setAudience("junction")
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode("x".repeat(32)));
  await assertRefused(t, verifier.verify(hs256), Code.Unauthenticated, "TOKEN_INVALID");
  await assertRefused(t, verifier.verify("not.a.jwt"), Code.Unauthenticated, "TOKEN_INVALID");
});

test("a token without sid is TOKEN_INVALID; no token is TOKEN_MISSING", async (t) => {
  const key = await signingKey("k1");
  const jwks = await startJwksServer(t, [key]);
  const verifier = createAccessTokenVerifier({ jwksUrl: jwks.url });
  const noSid = await new SignJWT({ roles: ["ROLE_USER"] })
    .setProtectedHeader({ alg: "EdDSA", kid: "k1" })
    .setSubject("user-1")
    .setIssuer("junction-auth")
    .setAudience("junction")
    .setExpirationTime("5m")
    .sign(key.privateKey);
  await assertRefused(t, verifier.verify(noSid), Code.Unauthenticated, "TOKEN_INVALID");
  await assertRefused(t, verifier.verify(undefined), Code.Unauthenticated, "TOKEN_MISSING");
  await assertRefused(t, verifier.verify(""), Code.Unauthenticated, "TOKEN_MISSING");
});

test("after a key rotation, a token with the new kid is accepted once the key set is refetched", async (t) => {
  const oldKey = await signingKey("2024-old");
  const newKey = await signingKey("2025-new");
  const jwks = await startJwksServer(t, [oldKey]);
  const verifier = createAccessTokenVerifier({ jwksUrl: jwks.url, cooldownMs: 300 });

  await verifier.verify(await accessToken(oldKey));
  t.is(jwks.fetches, 1);

  jwks.publish([oldKey, newKey]);
  // Within the cooldown an unknown kid does not trigger a fetch.
  await assertRefused(t, verifier.verify(await accessToken(newKey)), Code.Unauthenticated, "TOKEN_INVALID");
  t.is(jwks.fetches, 1);

  await new Promise((resolve) => setTimeout(resolve, 350));
  const claims = await verifier.verify(await accessToken(newKey, { sub: "rotated" }));
  t.is(claims.userId, "rotated");
  t.is(jwks.fetches, 2);
  // Both keys are now cached: no further fetch for either.
  await verifier.verify(await accessToken(oldKey));
  await verifier.verify(await accessToken(newKey));
  t.is(jwks.fetches, 2);
});

test("a JWKS that cannot be fetched is UNAVAILABLE JWKS_UNAVAILABLE, not UNAUTHENTICATED", async (t) => {
  const key = await signingKey("k1");
  const token = await accessToken(key);

  const down = createAccessTokenVerifier({ jwksUrl: `http://127.0.0.1:${await closedPort()}/.well-known/jwks.json` });
  await assertRefused(t, down.verify(token), Code.Unavailable, "JWKS_UNAVAILABLE");

  const jwks = await startJwksServer(t, [key]);
  jwks.fail();
  const failing = createAccessTokenVerifier({ jwksUrl: jwks.url });
  await assertRefused(t, failing.verify(token), Code.Unavailable, "JWKS_UNAVAILABLE");

  jwks.fail(false);
  t.is((await failing.verify(token)).userId, "user-1");
});

test("a verifier over a local key set needs no HTTP", async (t) => {
  const key = await signingKey("local");
  const verifier = createAccessTokenVerifier({ keys: createLocalJWKSet({ keys: [key.publicJwk] }) });
  t.is((await verifier.verify(await accessToken(key, { sub: "self" }))).userId, "self");
  await assertRefused(t, verifier.verify(await accessToken(await signingKey("other"))), Code.Unauthenticated, "TOKEN_INVALID");
});

test("issuer and audience can be configured", async (t) => {
  const key = await signingKey("k1");
  const verifier = createAccessTokenVerifier({ keys: createLocalJWKSet({ keys: [key.publicJwk] }), issuer: "other-auth", audience: "other" });
  t.is((await verifier.verify(await accessToken(key, { iss: "other-auth", aud: "other" }))).issuer, "other-auth");
  await assertRefused(t, verifier.verify(await accessToken(key)), Code.Unauthenticated, "TOKEN_INVALID");
});
