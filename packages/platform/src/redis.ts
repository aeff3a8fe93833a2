// Redis connections: connected at start so an unreachable Redis fails start with its address
// and how to start it, not later with a timed-out command. Once running, a command never waits
// for Redis to come back: with no offline queue it fails at once while the connection is down,
// and a command Redis does not answer fails after COMMAND_TIMEOUT_MS, well inside every policy
// deadline, so callers answer UNAVAILABLE (or fall back) in time.
import { Redis } from "ioredis";
import type { Logger } from "./logger.js";
import { REDIS_START_HINT } from "./start-hints.js";

/** Longest a Redis command (or a connection attempt) may take. */
export const COMMAND_TIMEOUT_MS = 1000;

/** A connected ioredis client for `url`, named `name` in CLIENT LIST; connection errors after start are logged, not thrown. */
export async function connectRedis(url: string, logger: Logger, name?: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    // Reconnects keep trying, at most a second apart.
    retryStrategy: (times) => Math.min(times * 100, 1000),
    connectionName: name,
  });
  let reported = 0;
  redis.on("error", (error) => {
    // Once, then at every doubling: an outage of minutes does not flood the log.
    if ((++reported & (reported - 1)) === 0) logger.warn({ err: error, errors: reported }, "redis connection error");
  });
  redis.on("ready", () => (reported = 0));
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis at ${url} is unreachable (${(error as Error).message}); start it with: ${REDIS_START_HINT}`);
  }
  return redis;
}
