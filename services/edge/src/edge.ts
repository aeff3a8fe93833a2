// The TypeScript edge: the one door outside clients use in local runs and tests. REST+JSON
// transcoded from the google.api.http annotations, Connect/gRPC/gRPC-Web passed through to
// public services, access-token checks, rate limits, CORS and request ids; internal services
// are unreachable. Its behaviour is the spec envoy/envoy.yaml must match.
import type http from "node:http";
import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createUpstreamTransport, upstreamUrls } from "@junction/platform/client";
import { envEnum, envPort, envString, envUrl, loadConfig } from "@junction/platform/config";
import { edgeRateLimitsFromEnv } from "@junction/platform/edge-rate-limits";
import { corsOriginsOf } from "@junction/platform/envoy/deployment-settings";
import { edgeReplies, RATE_LIMIT_NAME_HEADER } from "@junction/platform/edge-replies";
import { allServices, publicServices } from "@junction/platform/contracts";
import { createAccessTokenVerifier, type AccessTokenVerifier } from "@junction/platform/identity/access-tokens";
import { createLogger, type Logger } from "@junction/platform/logger";
import { initTracing, shutdownTracing } from "@junction/platform/observability/tracing";
import { CommunicationPolicy } from "@junction/platform/policy";
import { redisReadiness } from "@junction/platform/readiness";
import { connectRedis } from "@junction/platform/redis";
import { redisKey, redisNamespace } from "@junction/platform/redis-keys";
import { bind, startServiceServer, type HttpHandler, type ServiceServer } from "@junction/platform/server/service-server";
import { fileURLToPath } from "node:url";
import { admission, bearerToken } from "./access.js";
import { clientAddress, edgeHeaders } from "./edge-headers.js";
import { forwardingService } from "./forwarding.js";
import { EdgeRateLimiter } from "./rate-limit.js";
import { sendCallerError } from "./protocol-replies.js";
import { restGateway } from "./rest/rest-gateway.js";
import { RouteTable } from "@junction/platform/rest/route-table";
import { upstreamHealth } from "./upstream-health.js";

const DEFAULT_POLICY_FILE = fileURLToPath(new URL("../../../policy.yaml", import.meta.url));

/** Overrides for tests and embedding; everything else comes from the environment. */
export interface EdgeOptions {
  env?: NodeJS.ProcessEnv;
  port?: number;
  logger?: Logger;
  verifier?: AccessTokenVerifier;
}

function edgeConfig(env: NodeJS.ProcessEnv) {
  return loadConfig(
    {
      port: envPort("JUNCTION_EDGE_PORT", 8080),
      policyFile: envString("JUNCTION_POLICY_FILE", DEFAULT_POLICY_FILE),
      jwksUrl: envUrl("JUNCTION_JWKS_URL", "http://127.0.0.1:50051/.well-known/jwks.json"),
      redisUrl: envUrl("REDIS_URL", "redis://127.0.0.1:6379"),
      corsOrigins: envString("JUNCTION_EDGE_CORS_ORIGINS", "*"),
      logLevel: envEnum("LOG_LEVEL", ["trace", "debug", "info", "warn", "error", "fatal", "silent"], "info"),
    },
    env,
  );
}

/** Starts the edge; resolves once it listens. */
export async function startEdge(options: EdgeOptions = {}): Promise<ServiceServer> {
  const env = options.env ?? process.env;
  const config = edgeConfig(env);
  const logger = options.logger ?? createLogger("edge", config.logLevel);
  const policy = CommunicationPolicy.load(config.policyFile);
  policy.assertMethodsExist(allServices);
  initTracing("junction-edge");
  const verifier = options.verifier ?? createAccessTokenVerifier({ jwksUrl: config.jwksUrl });

  const redis = await connectRedis(config.redisUrl, logger, `${redisNamespace(env)}-edge`);
  const limiter = new EdgeRateLimiter(redis, edgeRateLimitsFromEnv(env), redisKey(redisNamespace(env), "edge", "ratelimit"));

  // One resilient transport per upstream, shared by REST and pass-through calls.
  const transports = new Map<string, Transport>();
  const healthTransports = new Map<string, Transport>();
  for (const service of publicServices) {
    const upstream = policy.upstreamOf(service);
    if (transports.has(upstream)) continue;
    transports.set(upstream, createUpstreamTransport(upstream, { policy, env }));
    healthTransports.set(upstream, createGrpcTransport({ baseUrl: upstreamUrls(upstream, policy, env)[0]! }));
  }
  const transportFor = (typeName: string) => transports.get(typeName.split(".")[1]!)!;

  const rest = restGateway({ routes: new RouteTable(publicServices), transportFor, verifier, logger });
  const rateLimited = (next: HttpHandler): HttpHandler => async (req, res) => {
    const token = bearerToken(req.headers.authorization);
    const user = token ? await verifier.verify(token).then((claims) => claims.userId, () => undefined) : undefined;
    const decision = await limiter.admit(clientAddress(req), user).catch((error: Error) => {
      logger.warn({ err: error }, "rate limiter unavailable; letting the request through");
      return { allowed: true } as const;
    });
    if (decision.allowed) return next(req, res);
    (res as http.ServerResponse).setHeader("retry-after", String(decision.retryAfterSeconds));
    (res as http.ServerResponse).setHeader(RATE_LIMIT_NAME_HEADER, decision.limit);
    sendCallerError(req, res, edgeReplies.rateLimited(decision.limit));
  };
  const origins = corsOriginsOf(config.corsOrigins);

  const server = await startServiceServer({
    name: "edge",
    port: options.port ?? config.port,
    policy,
    logger,
    services: publicServices.map((service) => bind(service, forwardingService(service, transportFor(service.typeName)))),
    interceptors: [admission(verifier)],
    readiness: [redisReadiness(redis)],
    fallback: rest,
    wrap: (route) => edgeHeaders(rateLimited(route), origins),
    httpRoutes: {
      "/healthz": async (_req, res) => {
        (res as http.ServerResponse).writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: "alive", service: "edge", upstreams: await upstreamHealth(healthTransports) }));
      },
    },
  });
  server.onShutdown(() => redis.quit());
  server.onShutdown(() => shutdownTracing());
  return server;
}
