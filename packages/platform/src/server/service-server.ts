// A Junction service in a few lines: its handlers, its name, its port. One port serves gRPC,
// gRPC-Web and Connect over HTTP/2 cleartext and HTTP/1.1, grpc.health.v1, server reflection,
// and /healthz, /readyz and /metrics. close() shuts down gracefully.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { setMaxListeners } from "node:events";
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type Interceptor, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createLogger, type Logger } from "../logger.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../message-limits.js";
import { metricsRegistry } from "../observability/metrics.js";
import type { CommunicationPolicy } from "../policy.js";
import { checkReadiness, readinessStatus, type ReadinessCheck } from "../readiness.js";
import { contractRegistry } from "../type-registry.js";
import { callObservation } from "./call-observation.js";
import { awaitFirstByte, checkRequestHeads, closeIdleSession, connectionTimeouts, http1TimeoutOptions, type ConnectionTimeouts } from "./connection-timeouts.js";
import { serveUnaryGrpcFirst } from "./grpc-unary-path.js";
import { hostInProcess } from "./in-process-transport.js";
import { Health, HealthRegistry, healthService } from "./health.js";
import { healthFollowsReadiness } from "./readiness-health.js";
import { registerReflection } from "./reflection.js";
import { answeringThrows } from "./request-guard.js";
import { undecodableRequestsAsInvalidArgument } from "./request-parse-errors.js";
import { refuseNulCharacters } from "./nul-characters.js";
import { trailersOnlyWithoutMessages } from "./trailers-only.js";
import { UnaryRoutes } from "./unary-routes.js";
import { answerUnknownRoute } from "./unknown-route.js";
import { releaseUnreadRequest } from "./unread-request.js";

/** One protobuf service and its implementation. */
export interface ServiceBinding {
  readonly service: DescService;
  readonly impl: Partial<ServiceImpl<DescService>>;
}

/** Pairs a service with its implementation, type-checked. */
export function bind<T extends DescService>(service: T, impl: Partial<ServiceImpl<T>>): ServiceBinding {
  return { service, impl: impl as Partial<ServiceImpl<DescService>> };
}

/** A plain HTTP handler for either protocol version. */
export type HttpHandler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

/** What a service is made of. */
export interface ServiceServerOptions {
  /** Short name, e.g. "auth"; labels logs and metrics. */
  name: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Address to listen on; default JUNCTION_BIND_HOST or 127.0.0.1. */
  host?: string;
  services: ServiceBinding[];
  /** Bounds inbound deadlines (maxTimeout). */
  policy: CommunicationPolicy;
  /** Largest request message accepted, measured after decompression; larger ones fail with RESOURCE_EXHAUSTED. Default 4 MiB. */
  maxMessageBytes?: number;
  logger?: Logger;
  /** Server interceptors run after call observation, e.g. credentials guards. */
  interceptors?: Interceptor[];
  readiness?: ReadinessCheck[];
  /** Extra plain-HTTP routes by path, e.g. "/.well-known/jwks.json"; each gets every method and answers the ones it serves. */
  httpRoutes?: Record<string, HttpHandler>;
  /** How often readiness is probed for grpc.health.v1; default 2 s. */
  healthProbeIntervalMs?: number;
  /** How long close() waits for in-flight calls before cutting them; default 10s. */
  shutdownGraceMs?: number;
  /** Handles requests that are neither RPCs nor plain routes (the edge's REST routes); default answerUnknownRoute. */
  fallback?: HttpHandler;
  /** Header and idle timeouts of the port's connections; default from JUNCTION_HEADERS_TIMEOUT and JUNCTION_IDLE_TIMEOUT. */
  connectionTimeouts?: Partial<ConnectionTimeouts>;
  /** Wraps the whole HTTP handler, e.g. with CORS, rate limits and request ids at the edge. */
  wrap?: (handler: HttpHandler) => HttpHandler;
  /** The public edge: each call starts a new trace, linked to the one the outside caller sent. */
  publicEdge?: boolean;
}

/** A running service. */
export interface ServiceServer {
  readonly name: string;
  readonly port: number;
  /** Base URL of the port, e.g. http://127.0.0.1:50051. */
  readonly url: string;
  readonly health: HealthRegistry;
  readonly logger: Logger;
  /** Registers work for close(), run in reverse order after calls finish (stop consumers, close pools). */
  onShutdown(step: () => Promise<unknown> | unknown): void;
  /** Stops accepting, lets in-flight calls finish within the grace period, then runs the shutdown steps. */
  close(): Promise<void>;
}

const HTTP2_PREFACE = "PRI * HTTP/2.0";

/** Starts a service; resolves once it listens. */
export async function startServiceServer(options: ServiceServerOptions): Promise<ServiceServer> {
  const logger = options.logger ?? createLogger(options.name);
  const host = options.host ?? process.env.JUNCTION_BIND_HOST ?? "127.0.0.1";
  const graceMs = options.shutdownGraceMs ?? 10_000;
  const health = new HealthRegistry(options.services.map((s) => s.service.typeName));
  const unaryPaths = new Set(options.services.flatMap(({ service }) => service.methods.filter((m) => m.methodKind === "unary").map((m) => `/${service.typeName}/${m.name}`)));
  const stopHealthProbe = healthFollowsReadiness(health, options.readiness ?? [], logger, options.healthProbeIntervalMs);
  const forcedStop = new AbortController();
  // Every in-flight handler listens on it; many at once is normal, not a leak.
  setMaxListeners(0, forcedStop.signal);

  let shuttingDown = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const interceptors = [callObservation(logger, options.publicEdge), ...(options.interceptors ?? []), refuseNulCharacters()];
  const healthImpl = healthService(health);
  const routes = (router: ConnectRouter) => {
    for (const { service, impl } of options.services) router.service(service, impl);
    router.service(Health, healthImpl);
    registerReflection(router);
    undecodableRequestsAsInvalidArgument(router);
  };
  const rpc = connectNodeAdapter({
    routes,
    interceptors,
    maxTimeoutMs: options.policy.maxTimeoutMs,
    readMaxBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    jsonOptions: { registry: contractRegistry(options.services.map((s) => s.service)) },
    shutdownSignal: forcedStop.signal,
    fallback: answeringThrows(options.fallback ?? answerUnknownRoute, logger) as never,
  });
  const plain: Record<string, HttpHandler> = {
    "/healthz": (_req, res) => json(res, 200, { status: "alive", service: options.name }),
    "/readyz": async (_req, res) => {
      const report = await checkReadiness(options.readiness ?? []);
      const ready = report.ready && !shuttingDown;
      json(res, ready ? 200 : 503, { status: ready ? readinessStatus(report) : "not ready", ...report, ready });
    },
    "/metrics": async (_req, res) => {
      res.writeHead(200, { "content-type": metricsRegistry.contentType });
      res.end(await metricsRegistry.metrics());
    },
  };
  const custom: Record<string, HttpHandler> = { ...options.httpRoutes };
  // Guarded here and around the wrapper both: a wrapper may drop its handler's promise.
  const route: HttpHandler = answeringThrows((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const plainRoute = custom[path] ?? (req.method === "GET" ? plain[path] : undefined);
    if (plainRoute) return plainRoute(req, res);
    else return rpc(req as http.IncomingMessage, res as http.ServerResponse);
  }, logger);
  // `route` answers its own throws; a wrapper (the edge's) may throw too, or drop the promise of `route`.
  const wrapped = options.wrap ? answeringThrows(options.wrap(route), logger) : route;
  const handle: HttpHandler = (req, res) => {
    inFlight++;
    res.on("close", () => {
      if (--inFlight === 0 && drained) drained();
    });
    if (shuttingDown && "setHeader" in res && req.httpVersionMajor === 1) res.setHeader("connection", "close");
    releaseUnreadRequest(req, res);
    if (unaryPaths.has((req.url ?? "").split("?")[0]!)) trailersOnlyWithoutMessages(req, res);
    wrapped(req, res);
  };

  // One TCP port, two protocols: HTTP/2 connections start with the client preface.
  const timeouts = connectionTimeouts(process.env, options.connectionTimeouts);
  const h1 = http.createServer(http1TimeoutOptions(timeouts), handle);
  checkRequestHeads(h1);
  const h2 = http2.createServer(handle);
  // Unary gRPC in binary protobuf skips connect-node's pipeline, through the same interceptors
  // (grpc-unary-path.ts, docs/performance.md). Not where `wrap` must see every request (the edge).
  const unaryRoutes = new UnaryRoutes([...options.services, bind(Health, healthImpl)], { interceptors, shutdownSignal: forcedStop.signal });
  if (!options.wrap) {
    serveUnaryGrpcFirst(h2, {
      routes: unaryRoutes,
      maxTimeoutMs: options.policy.maxTimeoutMs,
      readMaxBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      onStreamOpen: (stream) => {
        inFlight++;
        stream.once("close", () => {
          if (--inFlight === 0 && drained) drained();
        });
      },
    });
  }
  const sessions = new Set<http2.Http2Session>();
  h2.on("session", (session) => {
    closeIdleSession(session, timeouts);
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // A client that resets before its first byte: nothing to answer, and nothing to crash on.
    socket.on("error", () => socket.destroy());
    awaitFirstByte(socket, timeouts);
    socket.once("data", (chunk) => {
      socket.pause();
      socket.unshift(chunk);
      if (chunk.subarray(0, 3).toString("latin1") === HTTP2_PREFACE.slice(0, 3)) {
        // http2 takes over the socket's buffered bytes itself; resuming here would lose them.
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port, host, () => resolve());
  });
  const port = (listener.address() as net.AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  logger.info({ port, url }, `${options.name} listening`);
  // Callers in this process that opted in (in-process-transport.ts) reach the same routes without the network.
  const leaveProcess = options.wrap
    ? () => {}
    : hostInProcess(
        options.services.map((s) => s.service.typeName),
        {
          routes: unaryRoutes,
          connectRoutes: routes,
          routerOptions: { interceptors, maxTimeoutMs: options.policy.maxTimeoutMs, shutdownSignal: forcedStop.signal },
          track: () => {
            inFlight++;
            return () => {
              if (--inFlight === 0 && drained) drained();
            };
          },
        },
      );

  const shutdownSteps: Array<() => Promise<unknown> | unknown> = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      shuttingDown = true;
      leaveProcess();
      stopHealthProbe();
      health.shutdown();
      listener.close();
      h1.closeIdleConnections();
      h1.close(); // stops the checks of request heads
      for (const session of sessions) session.close();
      if (inFlight > 0) {
        const finished = new Promise<void>((resolve) => (drained = resolve));
        const timedOut = await Promise.race([finished.then(() => false), delay(graceMs).then(() => true)]);
        if (timedOut) {
          logger.warn({ inFlight }, "shutdown grace period over; cancelling remaining calls");
          forcedStop.abort(new ConnectError("server shutting down", Code.Unavailable));
          await delay(100);
        }
      }
      for (const socket of sockets) socket.destroy();
      for (const step of shutdownSteps.reverse()) {
        try {
          await step();
        } catch (error) {
          logger.error({ err: error }, "shutdown step failed");
        }
      }
      logger.info(`${options.name} stopped`);
    })());

  return { name: options.name, port, url, health, logger, onShutdown: (step) => void shutdownSteps.push(step), close };
}

/** Calls `stop` on the first SIGTERM or SIGINT; later ones (a group's Ctrl-C, then its supervisor's SIGTERM) must not kill the process mid-shutdown, so they are ignored. */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void): void {
  let stopping = false;
  const once = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    stop(signal);
  };
  process.on("SIGTERM", once);
  process.on("SIGINT", once);
}

/** Stops `server` gracefully on SIGTERM or SIGINT, then exits 0 (1 if shutdown failed). */
export function exitOnSignals(server: Pick<ServiceServer, "close" | "logger">): void {
  onStopSignal((signal) => {
    server.logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (error) => {
        server.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}

function json(res: http.ServerResponse | http2.Http2ServerResponse, status: number, body: unknown) {
  (res as http.ServerResponse).writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
