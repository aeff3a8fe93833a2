// The read-through cache against the real Redis: fresh values skip the origin, stale values
// stand in only while the origin is unavailable, and a Redis outage never fails a read.
import test from "ava";
import { Code, ConnectError } from "@connectrpc/connect";
import { Redis } from "ioredis";
import { ReadThroughCache } from "../src/cache.js";
import { testRedis } from "./support/redis.js";

const unavailable = () => Promise.reject(new ConnectError("auth is down", Code.Unavailable));

test("a fresh value is served from Redis without asking the origin", async (t) => {
  const { redis, namespace } = await testRedis(t);
  const cache = new ReadThroughCache<string[]>(redis, { namespace, name: "roles", freshMs: 60_000, keepMs: 120_000 });
  let loads = 0;
  const load = async () => (loads++, ["ROLE_USER"]);

  t.deepEqual(await cache.read("u-1", load), { value: ["ROLE_USER"], source: "origin" });
  t.deepEqual(await cache.read("u-1", load), { value: ["ROLE_USER"], source: "cache" });
  t.is(loads, 1);
  t.true((await redis.pttl(cache.keyOf("u-1"))) > 110_000, "kept for keepMs");
});

test("past its freshness the origin is asked again; when it is unavailable the stale value is served", async (t) => {
  const { redis, namespace } = await testRedis(t);
  const cache = new ReadThroughCache<string[]>(redis, { namespace, name: "roles", freshMs: 0, keepMs: 60_000 });
  await cache.read("u-1", async () => ["ROLE_ADMIN"]);

  t.deepEqual(await cache.read("u-1", async () => ["ROLE_USER"]), { value: ["ROLE_USER"], source: "origin" });
  t.deepEqual(await cache.read("u-1", unavailable), { value: ["ROLE_USER"], source: "stale" });
});

test("without a cached value an unavailable origin fails the read; other origin errors never fall back", async (t) => {
  const { redis, namespace } = await testRedis(t);
  const cache = new ReadThroughCache<string[]>(redis, { namespace, name: "roles", freshMs: 0, keepMs: 60_000 });
  const down = await t.throwsAsync(cache.read("nobody", unavailable));
  t.is(ConnectError.from(down).code, Code.Unavailable);

  await cache.read("u-1", async () => ["ROLE_USER"]);
  const notFound = await t.throwsAsync(cache.read("u-1", () => Promise.reject(new ConnectError("gone", Code.NotFound))));
  t.is(ConnectError.from(notFound).code, Code.NotFound);
});

test("invalidate forgets the value, including as a fallback", async (t) => {
  const { redis, namespace } = await testRedis(t);
  const cache = new ReadThroughCache<number>(redis, { namespace, name: "n", freshMs: 60_000, keepMs: 60_000 });
  await cache.read("k", async () => 1);
  await cache.invalidate("k");
  t.deepEqual(await cache.read("k", async () => 2), { value: 2, source: "origin" });
  await cache.invalidate("k");
  await t.throwsAsync(cache.read("k", unavailable));
});

test("a custom codec round-trips values JSON cannot (bigint)", async (t) => {
  const { redis, namespace } = await testRedis(t);
  const codec = { encode: (v: bigint) => v.toString(), decode: (s: string) => BigInt(s) };
  const cache = new ReadThroughCache<bigint>(redis, { namespace, name: "big", freshMs: 60_000, keepMs: 60_000, codec });
  await cache.read("k", async () => 2n ** 70n);
  t.deepEqual(await cache.read("k", unavailable), { value: 2n ** 70n, source: "cache" });
});

test("with Redis unreachable every read goes to the origin and the error is reported, not thrown", async (t) => {
  const redis = new Redis("redis://127.0.0.1:1", { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on("error", () => {});
  t.teardown(() => redis.disconnect());
  const errors: unknown[] = [];
  const cache = new ReadThroughCache<string>(redis, { namespace: "x", name: "y", freshMs: 1000, keepMs: 1000, onCacheError: (e) => errors.push(e) });
  t.deepEqual(await cache.read("k", async () => "from origin"), { value: "from origin", source: "origin" });
  t.true(errors.length >= 1);
});
