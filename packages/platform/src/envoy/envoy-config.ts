// The whole Envoy bootstrap for the compose deployment, rendered from the contracts and the
// policy file: a public listener, an internal listener, one cluster per service and the admin
// interface. Same inputs, same bytes: nothing here depends on time, environment or map order.
import type { DescService } from "@bufbuild/protobuf";
import { Document, visit } from "yaml";
import type { CommunicationPolicy } from "../policy.js";
import { renderCluster, renderNoUpstreamCluster } from "./clusters.js";
import { envoyDeployment } from "./deployment-settings.js";
import type { EnvoyJson } from "./envoy-values.js";
import { internalHttpFilters, publicHttpFilters } from "./http-filters.js";
import { renderAdmin, renderInternalListener, renderPublicListener } from "./listeners.js";
import { EnvoyRenderError } from "./render-error.js";
import { renderInternalRouteConfig, renderPublicRouteConfig } from "./route-table.js";

/** What the Envoy configuration is rendered from. */
export interface EnvoyConfigInputs {
  readonly policy: CommunicationPolicy;
  /** Services outside clients reach: transcoded, routed on the public listener. */
  readonly publicServices: readonly DescService[];
  /** Services only other services reach: routed on the internal listener, 404 on the public one. */
  readonly internalServices: readonly DescService[];
}

/** The header of envoy/envoy.yaml: generated, never edited, and how to regenerate it. */
export const ENVOY_YAML_HEADER = [
  "GENERATED FILE: do not edit by hand.",
  "Rendered by `npm run envoy:render` (scripts/render-envoy.ts, packages/platform/src/envoy/) from",
  "policy.yaml and the contracts in proto/, with envoy/descriptors.binpb beside it. CI fails when",
  "this file is not exactly what rendering produces. Layout and reasons: docs/deployment.md.",
];

// The service a cluster's health check asks about: the upstream's public service, which every
// Junction server registers with grpc.health.v1 under its full name.
function healthServiceOf(upstream: string, inputs: EnvoyConfigInputs): string {
  const services = [...inputs.publicServices, ...inputs.internalServices];
  const service = services.find((candidate) => inputs.policy.upstreamOf(candidate) === upstream);
  if (!service) throw new EnvoyRenderError(`${inputs.policy.source}: upstream ${upstream} serves none of the contracts' services`);
  return service.typeName;
}

/** The Envoy bootstrap as protobuf JSON. */
export function renderEnvoyConfig(inputs: EnvoyConfigInputs): EnvoyJson {
  const { policy, publicServices, internalServices } = inputs;
  policy.assertMethodsExist([...publicServices, ...internalServices]);
  return {
    admin: renderAdmin(envoyDeployment.adminPort),
    static_resources: {
      listeners: [
        renderPublicListener({
          name: "public",
          port: envoyDeployment.publicPort,
          routeConfig: renderPublicRouteConfig(policy, publicServices, internalServices),
          httpFilters: publicHttpFilters(policy, publicServices),
        }),
        renderInternalListener({
          name: "internal",
          port: envoyDeployment.internalPort,
          routeConfig: renderInternalRouteConfig(policy, [...publicServices, ...internalServices]),
          httpFilters: internalHttpFilters(),
        }),
      ],
      clusters: [
        ...policy.upstreamNames.map((name) => renderCluster(policy.upstream(name), healthServiceOf(name, inputs))),
        renderNoUpstreamCluster(),
      ],
    },
  };
}

/** envoy/envoy.yaml: the header comment, then the bootstrap as YAML. */
export function renderEnvoyYaml(inputs: EnvoyConfigInputs): string {
  const header = ENVOY_YAML_HEADER.map((line) => `# ${line}`).join("\n");
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
