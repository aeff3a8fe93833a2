// Refresh tokens: opaque random strings, stored in Redis only as SHA-256 hashes. The tokens of
// one session form its family: each refresh marks the presented token used and issues the next
// one. Presenting a used token means it was copied, so the whole family — the session — is
// revoked, which also ends the legitimate holder's next refresh and every access token of it.
import { createHash, randomBytes } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { domainError, redisKey, type SessionRegistry } from "@junction/platform";
import type { Redis } from "ioredis";

/** The outcome of presenting a refresh token. */
export type Rotation =
  | { readonly outcome: "rotated"; readonly sessionId: string; readonly userId: string; readonly refreshToken: string }
  | { readonly outcome: "reused" | "revoked" | "unknown"; readonly sessionId?: string; readonly userId?: string };

// Atomically: a used token revokes its session; a live token of a live session is marked used,
// its successor stored, and the session's lifetime extended.
// KEYS: presented, successor, session, user's sessions. ARGV: ttl seconds, session id, user id.
const ROTATE = `
if redis.call('HGET', KEYS[1], 'state') == 'used' then
  redis.call('DEL', KEYS[3])
  redis.call('SREM', KEYS[4], ARGV[2])
  return 'reused'
end
if redis.call('HGET', KEYS[3], 'userId') ~= ARGV[3] then return 'revoked' end
redis.call('HSET', KEYS[1], 'state', 'used')
redis.call('HSET', KEYS[2], 'sessionId', ARGV[2], 'userId', ARGV[3], 'state', 'live')
redis.call('EXPIRE', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[1])
redis.call('EXPIRE', KEYS[4], ARGV[1], 'GT')
return 'rotated'
`;

/** The refresh tokens of all sessions, in Redis next to the session registry. */
export class RefreshTokenFamily {
  constructor(
    private readonly redis: Redis,
    private readonly sessions: SessionRegistry,
    private readonly ttlSeconds: number,
  ) {}

  /** Starts a session's family: its first refresh token. */
  async start(sessionId: string, userId: string): Promise<string> {
    const token = newRefreshToken();
    const key = this.tokenKey(token);
    await this.redis.multi().hset(key, { sessionId, userId, state: "live" }).expire(key, this.ttlSeconds).exec();
    return token;
  }

  /** Exchanges `token` for its successor, or says why not (reused, revoked session, unknown token). */
  async rotate(token: string): Promise<Rotation> {
    const presented = this.tokenKey(token);
    const record = await this.redis.hgetall(presented);
    const { sessionId, userId } = record;
    if (!sessionId || !userId) return { outcome: "unknown" };
    const successor = newRefreshToken();
    const outcome = (await this.redis.eval(
      ROTATE,
      4,
      presented,
      this.tokenKey(successor),
      this.sessions.sessionKey(sessionId),
      this.sessions.userSessionsKey(userId),
      this.ttlSeconds,
      sessionId,
      userId,
    )) as "rotated" | "reused" | "revoked";
    return outcome === "rotated" ? { outcome, sessionId, userId, refreshToken: successor } : { outcome, sessionId, userId };
  }

  private tokenKey(token: string): string {
    return redisKey(this.sessions.namespace, "refresh-token", sha256(token));
  }
}

/** The error for a refresh that did not rotate; reuse has its own reason so clients can tell the user. */
export function refreshRefused(outcome: Exclude<Rotation["outcome"], "rotated">) {
  if (outcome === "reused") {
    return domainError(Code.Unauthenticated, "REFRESH_TOKEN_REUSED", "this refresh token was already used; the session has been revoked, sign in again");
  }
  if (outcome === "revoked") return domainError(Code.Unauthenticated, "SESSION_REVOKED", "the session has ended; sign in again");
  return domainError(Code.Unauthenticated, "REFRESH_TOKEN_INVALID", "the refresh token is not valid or has expired");
}

function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
