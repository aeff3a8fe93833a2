// Slow clients may not hold a port's connections forever. Three bounds, on every connection of a
// service port (the edge's included):
// - headers: a connection must send its first byte, and an HTTP/1.1 request its whole head,
//   within JUNCTION_HEADERS_TIMEOUT (default 10s), or it is closed (HTTP/1.1 gets a 408);
// - idle: an HTTP/2 connection with no open stream and no traffic for JUNCTION_IDLE_TIMEOUT
//   (default 60s) is closed. A stream that is open (a WatchNotifications that waits for the next
//   notification) keeps its connection: its bound is the call's deadline;
// - HTTP/1.1 between requests: Node's keep-alive timeout (5s).
// The HTTP/1.1 server never listens itself (the port's net server hands it its connections), so
// Node's checks of request heads, which start when a server listens, are started here.
import type http from "node:http";
import type http2 from "node:http2";
import type net from "node:net";
import { loadConfig } from "../config.js";
import { envDuration } from "../env-duration.js";

/** The defaults, as durations; Envoy's listeners are rendered with the same. */
export const DEFAULT_CONNECTION_TIMEOUTS = { headers: "10s", idle: "60s" } as const;

/** How long a connection may take to say something, and stay silent, in milliseconds. */
export interface ConnectionTimeouts {
  headersMs: number;
  idleMs: number;
}

/** The timeouts from JUNCTION_HEADERS_TIMEOUT and JUNCTION_IDLE_TIMEOUT, with `overrides` on top. */
export function connectionTimeouts(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ConnectionTimeouts> = {}): ConnectionTimeouts {
  const fromEnv = loadConfig(
    {
      headersMs: envDuration("JUNCTION_HEADERS_TIMEOUT", DEFAULT_CONNECTION_TIMEOUTS.headers, 1),
      idleMs: envDuration("JUNCTION_IDLE_TIMEOUT", DEFAULT_CONNECTION_TIMEOUTS.idle, 1),
    },
    env,
  );
  return { ...fromEnv, ...overrides };
}

/** Options for the port's HTTP/1.1 server: heads within `headersMs`, checked often enough to notice. */
export function http1TimeoutOptions(timeouts: ConnectionTimeouts): http.ServerOptions {
  return {
    headersTimeout: timeouts.headersMs,
    // Node requires requestTimeout >= headersTimeout; a request body still arriving after five minutes is too slow.
    requestTimeout: Math.max(timeouts.headersMs, 300_000),
    connectionsCheckingInterval: Math.min(Math.max(Math.floor(timeouts.headersMs / 4), 50), 30_000),
  };
}

/** Starts Node's checks of request heads on `h1`, a server that is handed connections instead of listening. */
export function checkRequestHeads(h1: http.Server): void {
  h1.emit("listening");
}

/** Closes `socket` unless it sends a byte within `headersMs`. */
export function awaitFirstByte(socket: net.Socket, timeouts: ConnectionTimeouts): void {
  socket.setTimeout(timeouts.headersMs, () => socket.destroy());
  socket.once("data", () => socket.setTimeout(0));
}

/** Closes `session` once it has been idle, with no stream open, for `idleMs`. */
export function closeIdleSession(session: http2.ServerHttp2Session, timeouts: ConnectionTimeouts): void {
  let openStreams = 0;
  session.on("stream", (stream) => {
    openStreams++;
    stream.once("close", () => openStreams--);
  });
  session.setTimeout(timeouts.idleMs, () => {
    if (openStreams === 0) session.destroy();
  });
}
