// The keys that sign access tokens. They live in the database, so every auth instance signs
// with the same key and a restart invalidates no token. Each key signs for `rotationMs`, then a
// new one takes over; the new public key is published well before its first token, and the old
// one stays published until every token it signed has expired. Auth verifies its own tokens
// from this ring, never over HTTP to itself.
import { randomUUID } from "node:crypto";
import { errors, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type JWSHeaderParameters } from "jose";
import type { PrismaClient } from "./generated/prisma/client.js";

/** The one algorithm auth signs with. */
export const SIGNING_ALGORITHM = "EdDSA";

/** A key of the ring, ready to use. */
export interface RingKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly createdAt: Date;
  readonly signUntil: Date;
  readonly retireAfter: Date;
}

/** How the ring rotates. */
export interface SigningKeyRingOptions {
  /** How long one key signs before the next takes over. */
  rotationMs: number;
  /** The longest lifetime of a token signed by a key (the access-token TTL). */
  tokenTtlMs: number;
  /** How long the in-memory ring is trusted before it is read again from the database. */
  reloadEveryMs?: number;
  /**
   * How long before a key stops signing its successor is created and published, so every
   * verifier can know it before its first token (default: half the rotation, at most 10 minutes).
   */
  prePublishMs?: number;
  now?: () => number;
}

// Clock skew verifiers tolerate; a retired key stays published this much longer.
const SKEW_MS = 60_000;
// Serialises key creation across instances (any constant shared by all of them).
const KEY_CREATION_LOCK = 0x4a4b4559;

/** The database-backed set of signing keys. */
export class SigningKeyRing {
  private keys: RingKey[] = [];
  private loadedAt = -Infinity;
  private loading: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: SigningKeyRingOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The key to sign with now; creates the first key, and publishes the next one ahead of its turn. */
  async signingKey(): Promise<RingKey> {
    if (this.now() - this.loadedAt > (this.options.reloadEveryMs ?? 30_000)) await this.reload();
    let key = this.current();
    if (key) {
      await this.prePublishSuccessor(key);
      return key;
    }
    await this.reload();
    key = this.current();
    if (key) return key;
    await this.createKey();
    await this.reload();
    key = this.current();
    if (!key) throw new Error("no signing key after creating one");
    return key;
  }

  /** The published public keys, newest first; what GetJwks and /.well-known/jwks.json serve. */
  async publicJwks(): Promise<JWK[]> {
    if (this.now() - this.loadedAt > (this.options.reloadEveryMs ?? 30_000)) await this.reload();
    if (this.keys.length === 0) await this.signingKey();
    return this.published().map((key) => key.publicJwk);
  }

  /** The public key named by a token's `kid` (jose's key lookup); reads the database again for a kid it does not know yet. */
  async verificationKey(header: JWSHeaderParameters): Promise<CryptoKey> {
    const find = () => this.published().find((key) => key.kid === header.kid);
    let key = find();
    if (!key) {
      await this.reload();
      key = find();
    }
    if (!key) throw new errors.JWKSNoMatchingKey();
    return key.publicKey;
  }

  /** Reads the unretired keys from the database; concurrent callers share one read. */
  reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const rows = await this.prisma.signingKey.findMany({
          where: { retireAfter: { gt: new Date(this.now()) } },
          orderBy: { createdAt: "desc" },
        });
        this.keys = await Promise.all(rows.map(toRingKey));
        this.loadedAt = this.now();
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private current(): RingKey | undefined {
    const now = this.now();
    const signing = (key: RingKey) => key.signUntil.getTime() > now;
    // The newest key whose turn has come; failing that, one another instance (its clock a little
    // ahead) has just started signing with.
    return (
      this.keys.find((key) => signing(key) && key.createdAt.getTime() <= now) ??
      this.keys.find((key) => signing(key) && key.createdAt.getTime() <= now + SKEW_MS)
    );
  }

  /** Creates and publishes the key that takes over from `key`, once `key`'s end is near. */
  private async prePublishSuccessor(key: RingKey): Promise<void> {
    const lead = this.options.prePublishMs ?? Math.min(this.options.rotationMs / 2, 600_000);
    const handover = key.signUntil.getTime();
    if (handover - this.now() > lead) return;
    if (this.keys.some((other) => other.signUntil.getTime() > handover)) return;
    await this.createKey(handover);
    await this.reload();
  }

  private published(): RingKey[] {
    const now = this.now();
    return this.keys.filter((key) => key.retireAfter.getTime() > now);
  }

  /** Adds a key that signs from `startsAt` unless another instance just did; drops keys long retired. */
  private async createKey(startsAt = this.now()): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    const kid = randomUUID();
    const now = this.now();
    const signUntil = startsAt + this.options.rotationMs;
    await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_CREATION_LOCK})`;
      const fresh = await tx.signingKey.findFirst({ where: { signUntil: { gt: new Date(startsAt) } } });
      if (fresh) return;
      await tx.signingKey.create({
        data: {
          kid,
          alg: SIGNING_ALGORITHM,
          privateJwk: { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALGORITHM },
          publicJwk: { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALGORITHM, use: "sig" },
          createdAt: new Date(startsAt),
          signUntil: new Date(signUntil),
          retireAfter: new Date(signUntil + this.options.tokenTtlMs + SKEW_MS),
        },
      });
      await tx.signingKey.deleteMany({ where: { retireAfter: { lt: new Date(now - SKEW_MS) } } });
    });
  }
}

async function toRingKey(row: { kid: string; privateJwk: unknown; publicJwk: unknown; createdAt: Date; signUntil: Date; retireAfter: Date }): Promise<RingKey> {
  const publicJwk = row.publicJwk as JWK;
  return {
    kid: row.kid,
    privateKey: (await importJWK(row.privateJwk as JWK, SIGNING_ALGORITHM)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, SIGNING_ALGORITHM)) as CryptoKey,
    publicJwk,
    createdAt: row.createdAt,
    signUntil: row.signUntil,
    retireAfter: row.retireAfter,
  };
}
