// Failed logins are counted per account and per client IP in Redis, in a fixed window that
// starts at the first failure. At the limit further attempts are refused before any password
// is checked, with RESOURCE_EXHAUSTED and a google.rpc.RetryInfo saying when to try again.
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "@junction/gen/google/rpc/error_details_pb";
import { ERROR_DOMAIN, redisKey } from "@junction/platform";
import type { Redis } from "ioredis";

/** Limits on failed logins. */
export interface LoginThrottleLimits {
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowMs: number;
}

/** Who is trying: the normalised email and, when the edge told us, the client IP. */
export interface LoginAttempt {
  readonly email: string;
  readonly clientIp?: string;
}

/** Counts failures and refuses attempts over the limits. */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly limits: LoginThrottleLimits,
  ) {}

  /** Throws RESOURCE_EXHAUSTED (LOGIN_THROTTLED) when the account or the IP is over its limit. */
  async assertAllowed(attempt: LoginAttempt): Promise<void> {
    const buckets = this.buckets(attempt);
    const pipeline = this.redis.pipeline();
    for (const bucket of buckets) pipeline.get(bucket.key).pttl(bucket.key);
    const results = (await pipeline.exec()) ?? [];
    let waitMs = 0;
    buckets.forEach((bucket, i) => {
      const failures = Number(results[2 * i]?.[1] ?? 0);
      const ttl = Number(results[2 * i + 1]?.[1] ?? -1);
      if (failures >= bucket.limit) waitMs = Math.max(waitMs, ttl > 0 ? ttl : this.limits.windowMs);
    });
    if (waitMs > 0) throw throttled(waitMs);
  }

  /** Counts one failed attempt against the account and the IP. */
  async recordFailure(attempt: LoginAttempt): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const { key } of this.buckets(attempt)) pipeline.incr(key).pexpire(key, this.limits.windowMs, "NX");
    await pipeline.exec();
  }

  /** Clears the account's count after a successful login; the IP's count stays. */
  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    await this.redis.del(this.accountKey(attempt.email));
  }

  private buckets(attempt: LoginAttempt) {
    const buckets = [{ key: this.accountKey(attempt.email), limit: this.limits.maxFailuresPerAccount }];
    if (attempt.clientIp) buckets.push({ key: redisKey(this.namespace, "login-failures", "ip", attempt.clientIp), limit: this.limits.maxFailuresPerIp });
    return buckets;
  }

  private accountKey(email: string): string {
    return redisKey(this.namespace, "login-failures", "account", email);
  }
}

/** The client IP the edge put first in `x-forwarded-for`, if any. */
export function clientIpOf(headers: Headers): string | undefined {
  const first = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return first ? first.slice(0, 64) : undefined;
}

function throttled(waitMs: number): ConnectError {
  const seconds = Math.ceil(waitMs / 1000);
  return new ConnectError(`too many failed sign-in attempts; try again in ${seconds} s`, Code.ResourceExhausted, undefined, [
    { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(seconds * 1000) }) },
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "LOGIN_THROTTLED", domain: ERROR_DOMAIN, metadata: { retry_after_seconds: String(seconds) } }) },
  ]);
}
