// Failed logins are counted in Redis, in fixed windows that start at the first failure: per
// (account, client), so a stranger guessing at an account locks out only themselves; per account
// across all clients, with a higher bound, so guessing from many addresses still stops; and per
// client across accounts, so one address cannot spray many accounts. At a limit further attempts
// are refused before any password is checked, with RESOURCE_EXHAUSTED, a google.rpc.RetryInfo
// and a `retry-after` header saying when to try again.
import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "@junction/gen/google/rpc/error_details_pb";
import { ERROR_DOMAIN, redisKey } from "@junction/platform";
import type { Redis } from "ioredis";

/** Limits on failed logins. */
export interface LoginThrottleLimits {
  /** Failures of one account from one client. */
  maxFailuresPerAccountClient: number;
  /** Failures of one account from every client together; higher, so its owner is rarely caught. */
  maxFailuresPerAccount: number;
  /** Failures from one client across accounts. */
  maxFailuresPerClient: number;
  windowMs: number;
}

/** Who is trying: the normalised email and, when a trusted edge told us, the client's address. */
export interface LoginAttempt {
  readonly email: string;
  readonly clientIp?: string;
}

interface Bucket {
  readonly key: string;
  readonly limit: number;
}

/** Counts failures and refuses attempts over the limits. */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly limits: LoginThrottleLimits,
  ) {}

  /** Throws RESOURCE_EXHAUSTED (LOGIN_THROTTLED) when any of the attempt's counts is at its limit. */
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

  /** Counts one failed attempt in each of its buckets. */
  async recordFailure(attempt: LoginAttempt): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const { key } of this.buckets(attempt)) pipeline.incr(key).pexpire(key, this.limits.windowMs, "NX");
    await pipeline.exec();
  }

  /** Clears the (account, client) count after a successful login; the wider counts stay. */
  async recordSuccess(attempt: LoginAttempt): Promise<void> {
    await this.redis.del(this.buckets(attempt)[0]!.key);
  }

  private buckets(attempt: LoginAttempt): Bucket[] {
    // Without a trusted address every direct caller shares one "client": it can lock out only
    // other direct callers, never people coming through the edge.
    const client = attempt.clientIp ?? "direct";
    const account = createHash("sha256").update(attempt.email).digest("base64url").slice(0, 22);
    return [
      { key: redisKey(this.namespace, "login-failures", "account-client", account, client), limit: this.limits.maxFailuresPerAccountClient },
      { key: redisKey(this.namespace, "login-failures", "account", account), limit: this.limits.maxFailuresPerAccount },
      ...(attempt.clientIp ? [{ key: redisKey(this.namespace, "login-failures", "client", attempt.clientIp), limit: this.limits.maxFailuresPerClient }] : []),
    ];
  }
}

function throttled(waitMs: number): ConnectError {
  const seconds = Math.ceil(waitMs / 1000);
  return new ConnectError(`too many failed sign-in attempts; try again in ${seconds} s`, Code.ResourceExhausted, { "retry-after": String(seconds) }, [
    { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(seconds * 1000) }) },
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "LOGIN_THROTTLED", domain: ERROR_DOMAIN, metadata: { retry_after_seconds: String(seconds) } }) },
  ]);
}
