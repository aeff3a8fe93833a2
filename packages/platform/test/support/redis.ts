// Test support: a connection to the real local Redis and a namespace of its own, whose keys are
// deleted when the test ends.
import { randomBytes } from "node:crypto";
import type { ExecutionContext } from "ava";
import { Redis } from "ioredis";

/** A Redis client and a fresh namespace; both cleaned up after the test. */
export async function testRedis(t: ExecutionContext): Promise<{ redis: Redis; namespace: string }> {
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 2 });
  const namespace = `junction-test-${randomBytes(6).toString("hex")}`;
  t.teardown(async () => {
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  return { redis, namespace };
}
