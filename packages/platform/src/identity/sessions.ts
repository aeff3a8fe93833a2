// The session registry: login sessions live in Redis, written by auth and readable by every
// service. An access token is only as good as its session: once auth revokes the session
// (logout, refresh-token reuse, password reset, deactivation), services that check sessions
// refuse its still-unexpired access tokens. A session key outlives every access token issued
// for it, so a missing key means revoked (or long over), never "not yet written".
import { Code, type Interceptor } from "@connectrpc/connect";
import type { Redis } from "ioredis";
import { domainError, unavailable } from "../errors.js";
import { redisKey } from "../redis-keys.js";
import { userClaimsKey } from "./caller.js";

/** One login session as stored in Redis. */
export interface SessionRecord {
  readonly sessionId: string;
  readonly userId: string;
  readonly createdAt: Date;
  /** The client address the login came from, if known. */
  readonly clientIp?: string;
  /** The client's User-Agent, if known. */
  readonly userAgent?: string;
}

/** Reads and writes sessions under `<namespace>:session:<id>` and each user's `<namespace>:user-sessions:<user id>` set. */
export class SessionRegistry {
  constructor(
    private readonly redis: Redis,
    readonly namespace: string,
  ) {}

  /** The hash holding session `sessionId`. */
  sessionKey(sessionId: string): string {
    return redisKey(this.namespace, "session", sessionId);
  }

  /** The set of a user's session ids, so all of them can be revoked at once. */
  userSessionsKey(userId: string): string {
    return redisKey(this.namespace, "user-sessions", userId);
  }

  /** Stores a new session that lives `ttlSeconds` unless extended or revoked. */
  async open(session: SessionRecord, ttlSeconds: number): Promise<void> {
    const key = this.sessionKey(session.sessionId);
    const members = this.userSessionsKey(session.userId);
    await this.redis
      .multi()
      .hset(key, {
        userId: session.userId,
        createdAt: session.createdAt.toISOString(),
        clientIp: session.clientIp ?? "",
        userAgent: session.userAgent ?? "",
      })
      .expire(key, ttlSeconds)
      .sadd(members, session.sessionId)
      // The set must live as long as its longest session; GT never shortens it.
      .expire(members, ttlSeconds, "NX")
      .expire(members, ttlSeconds, "GT")
      .exec();
  }

  /** The session, or undefined once it was revoked or ran out. */
  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const fields = await this.redis.hgetall(this.sessionKey(sessionId));
    if (!fields.userId) return undefined;
    return {
      sessionId,
      userId: fields.userId,
      createdAt: new Date(fields.createdAt ?? 0),
      clientIp: fields.clientIp || undefined,
      userAgent: fields.userAgent || undefined,
    };
  }

  /** True while `sessionId` is active and belongs to `userId`. */
  async isActive(sessionId: string, userId: string): Promise<boolean> {
    return (await this.redis.hget(this.sessionKey(sessionId), "userId")) === userId;
  }

  /** Ends one session; true if it was active. */
  async revoke(sessionId: string): Promise<boolean> {
    const userId = await this.redis.hget(this.sessionKey(sessionId), "userId");
    if (userId === null) return false;
    await this.redis.multi().del(this.sessionKey(sessionId)).srem(this.userSessionsKey(userId), sessionId).exec();
    return true;
  }

  /** Ends every session of `userId`; returns how many were active. */
  async revokeAllOf(userId: string): Promise<number> {
    const members = this.userSessionsKey(userId);
    const sessionIds = await this.redis.smembers(members);
    const results = await this.redis
      .multi()
      .del(...sessionIds.map((id) => this.sessionKey(id)), members)
      .exec();
    const deleted = Number(results?.[0]?.[1] ?? 0);
    // The count included the set itself when it existed.
    return Math.max(0, deleted - (sessionIds.length > 0 ? 1 : 0));
  }
}

/**
 * Server interceptor, placed after user authentication: a call carrying an access token whose
 * session was revoked is refused with UNAUTHENTICATED (SESSION_REVOKED). Without Redis the
 * answer is UNAVAILABLE (SESSION_STORE_UNAVAILABLE): the token may be fine, we cannot tell.
 */
export function sessionCheckInterceptor(registry: Pick<SessionRegistry, "isActive">): Interceptor {
  // Not an async function: an anonymous call passes on without a promise of its own.
  return (next) => (req) => {
    const user = req.contextValues.get(userClaimsKey);
    if (user === undefined) return next(req);
    return (async () => {
      let active: boolean;
      try {
        active = await registry.isActive(user.sessionId, user.userId);
      } catch {
        throw unavailable("SESSION_STORE_UNAVAILABLE", "the session store cannot be reached; try again");
      }
      if (!active) throw domainError(Code.Unauthenticated, "SESSION_REVOKED", "the session of this access token has ended; sign in again");
      return next(req);
    })();
  };
}
