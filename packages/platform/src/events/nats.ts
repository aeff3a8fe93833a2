// The NATS connection events travel over. It reconnects forever once up, so an outage only
// delays events (the outbox keeps them); failing to reach NATS at start is a clear error that
// names the server and how to start it.
import { NATS_START_HINT } from "../start-hints.js";
import { connect, type NatsConnection } from "nats";
import { envInt, envString, envUrl, loadConfig } from "../config.js";
import type { Logger } from "../logger.js";

/** The default NATS server of a local run. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
/** How this machine starts its NATS server (JetStream on, file store). */

/**
 * Where events go: `NATS_URL`, `JUNCTION_EVENTS_PREFIX` to isolate streams and subjects, and
 * `JUNCTION_EVENTS_REPLICAS`, the copies each stream keeps (3 on a three-node NATS cluster).
 */
export function eventsConfig(env: NodeJS.ProcessEnv = process.env): { natsUrl: string; prefix: string; replicas: number } {
  return loadConfig(
    { natsUrl: envUrl("NATS_URL", DEFAULT_NATS_URL), prefix: envString("JUNCTION_EVENTS_PREFIX", ""), replicas: envInt("JUNCTION_EVENTS_REPLICAS", 1, 1, 5) },
    env,
  );
}

/** How to connect. */
export interface NatsOptions {
  url?: string;
  /** The connection's name, shown by the server's monitoring (e.g. the service name). */
  name?: string;
  /** Pause between reconnect attempts; an outage is retried forever. */
  reconnectWaitMs?: number;
  logger?: Logger;
}

/**
 * A connection to NATS with JetStream available. Rejects with a message naming the URL and
 * how to start the server when it cannot be reached or JetStream is off.
 */
export async function connectNats(options: NatsOptions = {}): Promise<NatsConnection> {
  const url = options.url ?? eventsConfig().natsUrl;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: url,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectWaitMs ?? 1000,
      timeout: 5000,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new Error(`NATS at ${url} is unreachable (${code ?? (error as Error).message}); start it with: ${NATS_START_HINT}`, { cause: error });
  }
  try {
    // Asks the server for the account's JetStream info: fails fast when JetStream is off.
    await nc.jetstreamManager();
  } catch (error) {
    await nc.close().catch(() => {});
    throw new Error(`NATS at ${url} has no JetStream (${(error as Error).message}); start nats-server with -js, e.g.: ${NATS_START_HINT}`, {
      cause: error,
    });
  }
  if (options.logger) void logStatus(nc, url, options.logger);
  return nc;
}

async function logStatus(nc: NatsConnection, url: string, logger: Logger): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === "disconnect") logger.warn({ nats: url }, "NATS disconnected; reconnecting");
    else if (status.type === "reconnect") logger.info({ nats: url }, "NATS reconnected");
  }
}
