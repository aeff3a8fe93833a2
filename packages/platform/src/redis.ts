// Redis connections: connected at start so an unreachable Redis fails start with its address
// and how to start it, not later with a timed-out command.
import { Redis } from "ioredis";
import type { Logger } from "./logger.js";
import { REDIS_START_HINT } from "./start-hints.js";

/** A connected ioredis client for `url`, named `name` in CLIENT LIST; connection errors after start are logged, not thrown. */
export async function connectRedis(url: string, logger: Logger, name?: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true, connectionName: name });
  redis.on("error", (error) => logger.warn({ err: error }, "redis connection error"));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis at ${url} is unreachable (${(error as Error).message}); start it with: ${REDIS_START_HINT}`);
  }
  return redis;
}
