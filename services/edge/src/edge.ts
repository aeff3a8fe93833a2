// The TypeScript edge: the one door outside clients use in local runs and tests. REST+JSON
// transcoded from the google.api.http annotations, Connect/gRPC/gRPC-Web passed through to
// public services, access-token checks, rate limits, CORS and request ids; internal services
// are unreachable. Its behaviour is the spec envoy/envoy.yaml must match.
import type http from "node:http";
import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { type AccessTokenVerifier, allowedOrigins, bind, CommunicationPolicy, connectRedis, connectionTimeouts, Contracts, createAccessTokenVerifier, createLogger, createServiceTokenIssuer, createUpstreamTransport, EDGE_CALLER, edgeRateLimited, edgeRateLimitsFromEnv, edgeReplies, envEnum, envPort, envString, envUrl, type HttpHandler, initTracing, isOperationalPath, loadConfig, type Logger, Manifest, OPENAPI_DOCUMENT, PLATFORM_VERSION, RATE_LIMIT_NAME_HEADER, recordBuildInfo, redisKey, redisNamespace, redisReadiness, RouteTable, serviceSecretFromEnv, type ServiceServer, serviceTokenInterceptor, serviceUrls, shutdownTracing, startServiceServer } from "@junction/platform";
import { fileURLToPath } from "node:url";
import { admission, bearerToken } from "./access.js";
import { admittedBeforeBody } from "./early-admission.js";
import { clientAddress, edgeHeaders } from "./edge-headers.js";
import { forwardingService } from "./forwarding.js";
import { pageProxy } from "./page-proxy.js";
import { EdgeRateLimiter } from "./rate-limit.js";
import { sendCallerError } from "./protocol-replies.js";
import { openApiDocument, requestsOpenApiDocument } from "./openapi-document.js";
import { restGateway } from "./rest/rest-gateway.js";
import { recentUpstreamHealth } from "./upstream-health.js";

const REPOSITORY_FILE = (name: string) => fileURLToPath(new URL(`../../../${name}`, import.meta.url));

/** Overrides for tests and embedding; everything else comes from the environment. */
export interface EdgeOptions {
  env?: NodeJS.ProcessEnv;
  port?: number;
  logger?: Logger;
  verifier?: AccessTokenVerifier;
}

function edgeConfig(env: NodeJS.ProcessEnv, manifest: Manifest) {
  const { issuer, jwksPath } = manifest.identity;
  return loadConfig(
    {
      port: envPort("JUNCTION_EDGE_PORT", manifest.edge.port),
      policyFile: envString("JUNCTION_POLICY_FILE", REPOSITORY_FILE("policy.yaml")),
      jwksUrl: envUrl("JUNCTION_JWKS_URL", `${serviceUrls(manifest.service(issuer), env)[0]}${jwksPath}`),
      redisUrl: envUrl("REDIS_URL", "redis://127.0.0.1:6379"),
      logLevel: envEnum("LOG_LEVEL", ["trace", "debug", "info", "warn", "error", "fatal", "silent"], "info"),
    },
    env,
  );
}

/** Starts the edge; resolves once it listens. */
export async function startEdge(options: EdgeOptions = {}): Promise<ServiceServer> {
  const env = options.env ?? process.env;
  const manifest = Manifest.load(env.JUNCTION_MANIFEST_FILE || REPOSITORY_FILE("manifest.yaml"));
  const config = edgeConfig(env, manifest);
  const logger = options.logger ?? createLogger("edge", config.logLevel);
  const policy = CommunicationPolicy.load(config.policyFile, manifest);
  const { publicServices, allServices } = Contracts.load(manifest.contractsFile).servicesOf(manifest);
  policy.assertMethodsExist(allServices);
  const credentials = serviceTokenInterceptor(createServiceTokenIssuer(EDGE_CALLER, serviceSecretFromEnv(env, logger)));
  initTracing("junction-edge");
  recordBuildInfo("edge", PLATFORM_VERSION);
  const verifier = options.verifier ?? createAccessTokenVerifier({ jwksUrl: config.jwksUrl });

  const redis = await connectRedis(config.redisUrl, logger, `${redisNamespace(env)}-edge`);
  const limiter = new EdgeRateLimiter(redis, edgeRateLimitsFromEnv(env), redisKey(redisNamespace(env), "edge", "ratelimit"));

  // One resilient transport per upstream, shared by REST and pass-through calls.
  const transports = new Map<string, Transport>();
  const healthTransports = new Map<string, Transport>();
  for (const service of manifest.services.filter((s) => s.publicApis.length > 0 || s.pages.length > 0)) {
    transports.set(service.name, createUpstreamTransport(service.name, { policy, manifest, env, interceptors: [credentials] }));
    healthTransports.set(service.name, createGrpcTransport({ baseUrl: serviceUrls(service, env)[0]! }));
  }
  const transportFor = (typeName: string) => transports.get(manifest.serviceServing(typeName)!.name)!;
  // Pages go to their service's port as plain HTTP, with its upstream's timeout.
  const pages = Object.fromEntries(
    manifest.services.flatMap((service) => service.pages.map((path) => [path, pageProxy(serviceUrls(service, env)[0]!, policy.upstream(service.name).timeoutMs)])),
  );

  const rest = restGateway({ routes: new RouteTable(publicServices), transportFor, verifier, logger });
  const rateLimited = (next: HttpHandler): HttpHandler => async (req, res) => {
    if (requestsOpenApiDocument(req) || isOperationalPath(req.url ?? "/")) return next(req, res);
    const token = bearerToken(req.headers.authorization);
    const user = token ? await verifier.verify(token).then((claims) => claims.userId, () => undefined) : undefined;
    const decision = await limiter.admit(clientAddress(req), user).catch((error: Error) => {
      logger.warn({ err: error }, "rate limiter unavailable; letting the request through");
      return { allowed: true } as const;
    });
    if (decision.allowed) return next(req, res);
    edgeRateLimited.inc({ limit: decision.limit });
    (res as http.ServerResponse).setHeader("retry-after", String(decision.retryAfterSeconds));
    (res as http.ServerResponse).setHeader(RATE_LIMIT_NAME_HEADER, decision.limit);
    sendCallerError(req, res, edgeReplies.rateLimited(decision.limit));
  };
  const healthOfUpstreams = recentUpstreamHealth(healthTransports);
  const origins = allowedOrigins(manifest.edge.corsOrigins, env);

  const server = await startServiceServer({
    name: "edge",
    port: options.port ?? config.port,
    policy,
    logger,
    services: publicServices.map((service) => bind(service, forwardingService(service, transportFor(service.typeName)))),
    interceptors: [admission(verifier)],
    readiness: [redisReadiness(redis)],
    fallback: rest,
    connectionTimeouts: connectionTimeouts(env),
    publicEdge: true,
    wrap: (route) => edgeHeaders(rateLimited(admittedBeforeBody(publicServices, verifier, route)), origins),
    httpRoutes: {
      ...pages,
      [OPENAPI_DOCUMENT.urlPath]: openApiDocument(REPOSITORY_FILE(OPENAPI_DOCUMENT.file), rest),
      "/healthz": async (_req, res) => {
        (res as http.ServerResponse).writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: "alive", service: "edge", upstreams: await healthOfUpstreams() }));
      },
    },
  });
  server.onShutdown(() => redis.quit());
  server.onShutdown(() => shutdownTracing());
  return server;
}
