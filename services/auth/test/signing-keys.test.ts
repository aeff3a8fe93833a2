// The signing-key ring against a real database, with a controlled clock: keys persist and are
// shared by instances, rotate after their age, and stay published until their tokens expire.
import { randomBytes } from "node:crypto";
import test, { type ExecutionContext } from "ava";
import { fileURLToPath } from "node:url";
import { createAccessTokenVerifier, openDatabase } from "@junction/platform";
import { decodeProtectedHeader } from "jose";
import pg from "pg";
import { AccessTokenIssuer } from "../src/access-tokens.js";
import { authDatabase } from "../src/domain.js";
import { PrismaClient } from "../src/generated/prisma/client.js";
import { SigningKeyRing } from "../src/signing-keys.js";

const SKEW_MS = 60_000;

async function database(t: ExecutionContext) {
  const name = `junction_test_${randomBytes(6).toString("hex")}`;
  const prisma = await openDatabase({ service: "auth", url: `postgres://postgres@127.0.0.1:5432/${name}`, migrationsDir: fileURLToPath(authDatabase.migrations), PrismaClient });
  t.teardown(async () => {
    await prisma.$disconnect();
    const admin = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });
  return prisma;
}

test("keys rotate after their age; a retired key verifies its tokens until they expire, then leaves the JWKS", async (t) => {
  const prisma = await database(t);
  let now = Date.parse("2026-06-01T00:00:00Z");
  const clock = () => now;
  const ring = new SigningKeyRing(prisma, { rotationMs: 60_000, tokenTtlMs: 10_000, reloadEveryMs: 0, now: clock });
  const issuer = new AccessTokenIssuer(ring, 10_000, clock);

  const first = await ring.signingKey();
  t.deepEqual((await ring.publicJwks()).map((k) => k.kid), [first.kid]);
  const oldToken = (await issuer.issue("00000000-0000-4000-8000-000000000001", "s-1", ["ROLE_USER"])).token;
  t.is(decodeProtectedHeader(oldToken).kid, first.kid);

  now += 59_000;
  t.is((await ring.signingKey()).kid, first.kid, "still inside its signing period");
  now += 2_000;
  const second = await ring.signingKey();
  t.not(second.kid, first.kid, "rotated after 60 s");
  t.deepEqual((await ring.publicJwks()).map((k) => k.kid), [second.kid, first.kid], "newest first; the old key stays published");
  t.is((await ring.verificationKey({ kid: first.kid })).type, "public");

  // Past the old key's last possible token expiry (its signing end + token TTL + skew), it is gone.
  now = first.signUntil.getTime() + 10_000 + SKEW_MS + 1;
  t.deepEqual((await ring.publicJwks()).map((k) => k.kid), [second.kid]);
  await t.throwsAsync(ring.verificationKey({ kid: first.kid }));
});

test("the next key is published ahead of its turn, so verifiers know it before its first token", async (t) => {
  const prisma = await database(t);
  let now = Date.parse("2026-06-01T00:00:00Z");
  const ring = new SigningKeyRing(prisma, { rotationMs: 60_000, tokenTtlMs: 10_000, reloadEveryMs: 0, now: () => now });
  const first = await ring.signingKey();
  now += 20_000;
  await ring.signingKey();
  t.deepEqual((await ring.publicJwks()).map((k) => k.kid), [first.kid], "nothing new while the key has long to go");

  now += 15_000; // 25 s left: inside the default lead of half the rotation
  t.is((await ring.signingKey()).kid, first.kid, "the current key still signs");
  const published = (await ring.publicJwks()).map((k) => k.kid);
  t.is(published.length, 2);
  t.is(published[1], first.kid);
  const successor = published[0]!;

  now = first.signUntil.getTime() + 1;
  t.is((await ring.signingKey()).kid, successor, "the pre-published key takes over at the hand-over");
  t.deepEqual((await ring.publicJwks()).map((k) => k.kid), [successor, first.kid]);
});

test("instances share the keys in the database: a second ring signs with the same key and verifies the first's tokens", async (t) => {
  const prisma = await database(t);
  const one = new SigningKeyRing(prisma, { rotationMs: 3_600_000, tokenTtlMs: 900_000 });
  const two = new SigningKeyRing(prisma, { rotationMs: 3_600_000, tokenTtlMs: 900_000 });
  const [a, b] = await Promise.all([one.signingKey(), two.signingKey()]);
  t.is(a.kid, b.kid, "concurrent first starts create one key");
  t.is(await prisma.signingKey.count(), 1);

  const token = (await new AccessTokenIssuer(one, 900_000).issue("00000000-0000-4000-8000-000000000002", "s-2", ["ROLE_USER", "ROLE_ADMIN"])).token;
  const verifier = createAccessTokenVerifier({ algorithms: ["EdDSA"], keys: (header) => two.verificationKey(header) });
  t.like(await verifier.verify(token), { userId: "00000000-0000-4000-8000-000000000002", sessionId: "s-2", roles: ["ROLE_USER", "ROLE_ADMIN"] });
});
