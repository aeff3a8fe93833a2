// The two committed files under envoy/ and how they are produced from the repository: the
// descriptor set built by buf, and envoy.yaml rendered from the contracts and policy.yaml.
// `npm run envoy:render` writes them; `npm run envoy:check` and the tests compare them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { internalServices, publicServices } from "../contracts.js";
import { CommunicationPolicy } from "../policy.js";
import { assertDescriptorSetMatches, buildDescriptorSet } from "./descriptor-set.js";
import { renderEnvoyYaml } from "./envoy-config.js";

/** The committed files, relative to the repository root. */
export const ENVOY_FILES = {
  config: "envoy/envoy.yaml",
  descriptors: "envoy/descriptors.binpb",
  policy: "policy.yaml",
} as const;

/** What rendering produces. */
export interface EnvoyArtifacts {
  readonly config: string;
  readonly descriptors: Uint8Array;
}

/** envoy.yaml alone, from policy.yaml and the generated contracts (no buf needed). */
export function renderEnvoyConfigFile(root: string): string {
  const policy = CommunicationPolicy.load(join(root, ENVOY_FILES.policy));
  return renderEnvoyYaml({ policy, publicServices, internalServices });
}

/** Both files, with the descriptor set checked against the generated contracts. */
export function renderEnvoyArtifacts(root: string): EnvoyArtifacts {
  const descriptors = buildDescriptorSet(root);
  assertDescriptorSetMatches(descriptors, [...publicServices, ...internalServices]);
  return { config: renderEnvoyConfigFile(root), descriptors };
}

/** The committed files that differ from `artifacts` (missing ones included), as paths. */
export function staleEnvoyFiles(root: string, artifacts: EnvoyArtifacts): string[] {
  const committed = (path: string) => (existsSync(join(root, path)) ? readFileSync(join(root, path)) : undefined);
  const stale: string[] = [];
  const config = committed(ENVOY_FILES.config);
  if (config === undefined || config.toString("utf8") !== artifacts.config) stale.push(ENVOY_FILES.config);
  const descriptors = committed(ENVOY_FILES.descriptors);
  if (descriptors === undefined || !descriptors.equals(Buffer.from(artifacts.descriptors))) stale.push(ENVOY_FILES.descriptors);
  return stale;
}
