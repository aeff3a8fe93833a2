// The whole Envoy bootstrap, rendered from the contracts and the policy file for one deployment
// (compose, local, a test): a public listener, an internal listener, one cluster per service and
// the admin interface. Same inputs, same bytes: nothing here depends on time, environment or map
// order; deployments differ only in addresses, paths and rate-limit numbers.
import type { DescService } from "@bufbuild/protobuf";
import { Document, visit } from "yaml";
import type { CommunicationPolicy, Manifest } from "@junction/platform";
import { renderCluster, renderNoUpstreamCluster } from "./clusters.js";
import type { EnvoyDeployment } from "./envoy-deployment.js";
import type { EnvoyJson } from "./envoy-values.js";
import { internalHttpFilters, publicHttpFilters } from "./http-filters.js";
import { renderAdmin, renderInternalListener, renderPublicListener } from "./listeners.js";
import { EnvoyRenderError } from "./render-error.js";
import { edgeKeySecret } from "./edge-key-filter.js";
import { renderInternalRouteConfig, renderPublicRouteConfig } from "./route-table.js";

/** What the Envoy configuration is rendered from. */
export interface EnvoyConfigInputs {
  /** The topology: services and their pages. */
  readonly manifest: Manifest;
  readonly policy: CommunicationPolicy;
  /** Services outside clients reach: transcoded, routed on the public listener. */
  readonly publicServices: readonly DescService[];
  /** Services only other services reach: routed on the internal listener, 404 on the public one. */
  readonly internalServices: readonly DescService[];
  /** Where this Envoy runs and what it reaches. */
  readonly deployment: EnvoyDeployment;
}

/** The header of a rendered file: generated, never edited, for which deployment, and how to regenerate it. */
export function envoyYamlHeader(deployment: EnvoyDeployment): string[] {
  return [
    "GENERATED FILE: do not edit by hand.",
    `Envoy for the ${deployment.name} deployment, rendered by \`npm run render\` (tools/src/envoy/) from`,
    "manifest.yaml, policy.yaml and the contracts in proto/ (envoy/descriptors.binpb, beside it).",
    "CI fails when this file is not exactly what rendering",
    "produces. Layout and reasons: docs/deployment.md and docs/edge.md.",
  ];
}

// The service a cluster's health check asks about: the upstream's public service, which every
// Junction server registers with grpc.health.v1 under its full name.
function healthServiceOf(upstream: string, inputs: EnvoyConfigInputs): string {
  const services = [...inputs.publicServices, ...inputs.internalServices];
  const service = services.find((candidate) => inputs.policy.upstreamOf(candidate) === upstream);
  // A service with no API of its own is checked as a whole server ("").
  return service?.typeName ?? "";
}

function endpointsOf(upstream: string, deployment: EnvoyDeployment) {
  const endpoints = deployment.endpoints[upstream];
  if (!endpoints || endpoints.length === 0) throw new EnvoyRenderError(`the ${deployment.name} deployment gives no endpoint for upstream ${upstream}`);
  return endpoints;
}

/** The Envoy bootstrap as protobuf JSON. */
export function renderEnvoyConfig(inputs: EnvoyConfigInputs): EnvoyJson {
  const { manifest, policy, publicServices, internalServices, deployment } = inputs;
  const pages = manifest.services.flatMap((service) => service.pages.map((path) => ({ path, service: service.name })));
  policy.assertMethodsExist([...publicServices, ...internalServices]);
  return {
    admin: renderAdmin(deployment.admin.host, deployment.admin.port),
    static_resources: {
      secrets: [edgeKeySecret()],
      listeners: [
        renderPublicListener({
          name: "public",
          host: deployment.bindHost,
          port: deployment.publicPort,
          routeConfig: renderPublicRouteConfig(policy, publicServices, internalServices, deployment.corsOrigins, pages),
          httpFilters: publicHttpFilters(deployment, publicServices),
        }),
        renderInternalListener({
          name: "internal",
          host: deployment.bindHost,
          port: deployment.internalPort,
          routeConfig: renderInternalRouteConfig(policy, [...publicServices, ...internalServices]),
          httpFilters: internalHttpFilters(),
        }),
      ],
      clusters: [
        ...policy.upstreamNames.map((name) => renderCluster(policy.upstream(name), healthServiceOf(name, inputs), endpointsOf(name, deployment))),
        renderNoUpstreamCluster(),
      ],
    },
  };
}

/** envoy/envoy.yaml: the header comment, then the bootstrap as YAML. */
export function renderEnvoyYaml(inputs: EnvoyConfigInputs): string {
  const header = envoyYamlHeader(inputs.deployment).map((line) => `# ${line}`).join("\n");
  // No anchors: the file should read like hand-written Envoy YAML.
  const document = new Document(renderEnvoyConfig(inputs), { aliasDuplicateObjects: false });
  // Pseudo-header names (":method") are valid plain YAML 1.2, but not every parser agrees; quote them.
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && node.value.startsWith(":")) node.type = "QUOTE_DOUBLE";
    },
  });
  return `${header}\n${document.toString({ lineWidth: 0 })}`;
}
