// Where an Envoy runs and what it reaches: the only inputs that differ between the compose
// deployment, a local `npm start` and a test. Everything else in the rendered configuration comes
// from the manifest, the contracts and policy.yaml, so the Envoy a developer runs is the Envoy compose runs.
import { type AllowedOrigins, allowedOrigins, DEFAULT_EDGE_RATE_LIMITS, type EdgeRateLimits, edgeRateLimitsFromEnv, envPort, loadConfig, type ManifestIdentity, servicePort } from "@junction/platform";
import type { Junction } from "../junction.js";

/** One instance of an upstream service. */
export interface UpstreamEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Addresses, paths and limits of one Envoy deployment. */
export interface EnvoyDeployment {
  /** Names the deployment in the generated file's header, e.g. "compose". */
  readonly name: string;
  /** The address both listeners bind. */
  readonly bindHost: string;
  /** REST, Connect, gRPC and gRPC-Web for outside clients. */
  readonly publicPort: number;
  /** Service-to-service gRPC. */
  readonly internalPort: number;
  /** Envoy's admin interface (stats, clusters, readiness). */
  readonly admin: UpstreamEndpoint;
  /** Where Envoy reads envoy/descriptors.binpb; a relative path is relative to Envoy's working directory. */
  readonly descriptorPath: string;
  /** The instances of each upstream, by policy name. */
  readonly endpoints: Readonly<Record<string, readonly UpstreamEndpoint[]>>;
  /** Per-client and per-user request limits of the public listener. */
  readonly rateLimits: EdgeRateLimits;
  /** Origins browsers may call from. */
  readonly corsOrigins: AllowedOrigins;
}

/** Where compose mounts the rendered files inside the Envoy container, and Envoy's working directory there. */
export const COMPOSE_ENVOY_PATHS = {
  config: "/etc/envoy/envoy.yaml",
  descriptors: "/etc/envoy/descriptors.binpb",
  openApi: "/etc/contracts/openapi.json",
  workingDir: "/etc",
} as const;

/**
 * Where Envoy reads the descriptor set: relative to its working directory, which is the
 * repository root locally and /etc in compose, so one path serves both and the committed files
 * can be validated from the repository.
 */
export const DESCRIPTOR_SET_PATH = "envoy/descriptors.binpb";

/** The compose deployment: every service is a compose host of its own name on its manifest port; Envoy on the manifest's edge ports. */
export function composeDeployment({ manifest }: Pick<Junction, "manifest">): EnvoyDeployment {
  return {
    name: "compose",
    bindHost: "0.0.0.0",
    publicPort: manifest.edge.port,
    internalPort: manifest.edge.internalPort,
    admin: { host: "0.0.0.0", port: manifest.edge.adminPort },
    descriptorPath: DESCRIPTOR_SET_PATH,
    endpoints: Object.fromEntries(manifest.services.map((s) => [s.name, [{ host: s.name, port: s.port }]])),
    rateLimits: DEFAULT_EDGE_RATE_LIMITS,
    // The manifest's origins: compose runs in production mode, so no localhost.
    corsOrigins: allowedOrigins(manifest.edge.corsOrigins),
  };
}

/**
 * The local deployment of `npm start`: everything on 127.0.0.1, Envoy started from the repository
 * root. Ports and limits follow the same variables the services and the TypeScript edge read
 * (JUNCTION_<SERVICE>_PORT, JUNCTION_EDGE_PORT, JUNCTION_EDGE_RATE_LIMIT_*, JUNCTION_EDGE_CORS_ORIGINS, JUNCTION_DEV_MODE), plus
 * JUNCTION_ENVOY_INTERNAL_PORT and JUNCTION_ENVOY_ADMIN_PORT; an empty `env` gives the defaults.
 */
export function localDeployment({ manifest }: Pick<Junction, "manifest">, env: NodeJS.ProcessEnv = {}): EnvoyDeployment {
  const ports = loadConfig(
    {
      public: envPort("JUNCTION_EDGE_PORT", manifest.edge.port),
      internal: envPort("JUNCTION_ENVOY_INTERNAL_PORT", manifest.edge.internalPort),
      admin: envPort("JUNCTION_ENVOY_ADMIN_PORT", manifest.edge.adminPort),
    },
    env,
  );
  return {
    name: "local",
    bindHost: "127.0.0.1",
    publicPort: ports.public,
    internalPort: ports.internal,
    admin: { host: "127.0.0.1", port: ports.admin },
    descriptorPath: DESCRIPTOR_SET_PATH,
    endpoints: Object.fromEntries(manifest.services.map((s) => [s.name, [{ host: "127.0.0.1", port: servicePort(s, env) }]])),
    rateLimits: edgeRateLimitsFromEnv(env),
    corsOrigins: allowedOrigins(manifest.edge.corsOrigins, env),
  };
}

/** The URL services use for `deployment`'s internal listener, e.g. http://127.0.0.1:9090. */
export function internalListenerUrl(deployment: EnvoyDeployment, host = deployment.bindHost): string {
  return `http://${host}:${deployment.internalPort}`;
}

/**
 * The environment of a service whose calls go through `deployment`'s internal listener: every
 * upstream URL is the listener, and client retries are off because Envoy retries (never both).
 * The issuer's key set is read from the issuer itself: it is a plain HTTP route of its port, which
 * the internal listener (gRPC routes only) does not carry.
 */
export function callsThroughEnvoy(deployment: EnvoyDeployment, identity: ManifestIdentity, host = deployment.bindHost): Record<string, string> {
  const url = internalListenerUrl(deployment, host);
  const issuer = deployment.endpoints[identity.issuer]?.[0];
  if (!issuer) throw new Error(`the Envoy deployment "${deployment.name}" has no endpoint for the token issuer ${identity.issuer}`);
  return {
    ...Object.fromEntries(Object.keys(deployment.endpoints).map((name) => [`JUNCTION_${name.toUpperCase()}_URL`, url])),
    JUNCTION_JWKS_URL: `http://${issuer.host}:${issuer.port}${identity.jwksPath}`,
    JUNCTION_CLIENT_RETRIES: "false",
  };
}
