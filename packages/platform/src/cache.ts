// A read-through cache in Redis with a stale fallback. A value is served from Redis while it is
// fresh; after that the origin is asked again, and if the origin is unavailable the last known
// value is served (stale) for as long as it is kept. The cache never makes a call fail: if
// Redis itself is down, every read goes to the origin.
import type { Redis } from "ioredis";
import { isUnavailable } from "./resilience/fallback.js";
import { redisKey } from "./redis-keys.js";

/** How values are written to and read from Redis; JSON by default. */
export interface CacheCodec<T> {
  encode(value: T): string;
  decode(text: string): T;
}

/** One cache: its key space and lifetimes. */
export interface ReadThroughCacheOptions<T> {
  /** The Redis key namespace (see redisNamespace). */
  namespace: string;
  /** The cache's name inside the namespace, e.g. "roles"; keys are `<namespace>:cache:<name>:<key>`. */
  name: string;
  /** How long a value is served without asking the origin; 0 asks every time. */
  freshMs: number;
  /** How long a value is kept in total, to be served when the origin is unavailable. */
  keepMs: number;
  codec?: CacheCodec<T>;
  /** Which origin failures fall back to a stale value; default: the upstream was unavailable. */
  fallBackOn?: (error: unknown) => boolean;
  /** Told when Redis fails, so it shows in logs; the read goes on without the cache. */
  onCacheError?: (error: unknown) => void;
}

/** Where a value came from. */
export type CacheSource = "cache" | "origin" | "stale";

/** A value and where it came from. */
export interface CacheRead<T> {
  readonly value: T;
  readonly source: CacheSource;
}

interface Entry {
  /** The encoded value. */
  v: string;
  /** Epoch ms until which the value is fresh. */
  f: number;
}

/** A read-through cache of `T` values in Redis. */
export class ReadThroughCache<T> {
  private readonly codec: CacheCodec<T>;

  constructor(
    private readonly redis: Redis,
    private readonly options: ReadThroughCacheOptions<T>,
  ) {
    if (options.keepMs < options.freshMs) throw new Error(`cache ${options.name}: keepMs must be at least freshMs`);
    this.codec = options.codec ?? { encode: (value) => JSON.stringify(value), decode: (text) => JSON.parse(text) as T };
  }

  /** The Redis key of `key`. */
  keyOf(key: string): string {
    return redisKey(this.options.namespace, "cache", this.options.name, key);
  }

  /** The cached value if fresh; otherwise `load()`'s, stored; a stale value if the origin is unavailable. */
  async read(key: string, load: () => Promise<T>, now = Date.now()): Promise<CacheRead<T>> {
    const entry = await this.entry(key);
    if (entry && entry.f > now) return { value: this.codec.decode(entry.v), source: "cache" };
    let value: T;
    try {
      value = await load();
    } catch (error) {
      const fallBack = this.options.fallBackOn ?? isUnavailable;
      if (entry && fallBack(error)) return { value: this.codec.decode(entry.v), source: "stale" };
      throw error;
    }
    await this.write(key, value, now);
    return { value, source: "origin" };
  }

  /** Stores `value` as fresh, e.g. right after the origin changed it. */
  async write(key: string, value: T, now = Date.now()): Promise<void> {
    const entry: Entry = { v: this.codec.encode(value), f: now + this.options.freshMs };
    await this.quietly(() => this.redis.set(this.keyOf(key), JSON.stringify(entry), "PX", Math.max(1, this.options.keepMs)));
  }

  /** Forgets `key`, so the next read asks the origin (and has no stale value to fall back on). */
  async invalidate(key: string): Promise<void> {
    await this.quietly(() => this.redis.del(this.keyOf(key)));
  }

  private async entry(key: string): Promise<Entry | undefined> {
    const text = await this.quietly(() => this.redis.get(this.keyOf(key)));
    if (typeof text !== "string") return undefined;
    try {
      const entry = JSON.parse(text) as Entry;
      return typeof entry.v === "string" && typeof entry.f === "number" ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  private async quietly<R>(operation: () => Promise<R>): Promise<R | undefined> {
    try {
      return await operation();
    } catch (error) {
      this.options.onCacheError?.(error);
      return undefined;
    }
  }
}
