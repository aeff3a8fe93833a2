// Rate limits at the edge, shared by every edge instance through Redis: fixed one-minute
// windows per client address and per user. Over the limit is 429 with Retry-After.
import type { Redis } from "ioredis";
import type { EdgeRateLimits, RateLimitName } from "@junction/platform";

/** The outcome for one request. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number; limit: RateLimitName };

const WINDOW_SECONDS = 60;

/** Counts requests in Redis and decides whether one more may pass. */
export class EdgeRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly limits: EdgeRateLimits,
    /** Where the counters live, e.g. "junction:edge:ratelimit". */
    private readonly prefix: string,
  ) {}

  /** Counts a request from `client` (and `user`, when known) and decides. */
  async admit(client: string, user: string | undefined, now = Date.now()): Promise<RateDecision> {
    const window = Math.floor(now / 1000 / WINDOW_SECONDS);
    const retryAfterSeconds = Math.max(1, (window + 1) * WINDOW_SECONDS - Math.floor(now / 1000));
    const checks: Array<[string, number, RateLimitName]> = [];
    if (this.limits.perClientPerMinute > 0) checks.push([`${this.prefix}:client:${client}:${window}`, this.limits.perClientPerMinute, "client"]);
    if (user && this.limits.perUserPerMinute > 0) checks.push([`${this.prefix}:user:${user}:${window}`, this.limits.perUserPerMinute, "user"]);
    if (checks.length === 0) return { allowed: true };
    const pipeline = this.redis.multi();
    for (const [key] of checks) pipeline.incr(key).expire(key, WINDOW_SECONDS * 2);
    const results = (await pipeline.exec()) ?? [];
    for (const [i, [, limit, name]] of checks.entries()) {
      const count = Number(results[i * 2]?.[1] ?? 0);
      if (count > limit) return { allowed: false, retryAfterSeconds, limit: name };
    }
    return { allowed: true };
  }
}
