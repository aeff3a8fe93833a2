// The committed files under envoy/ and how they are produced from the repository: the descriptor
// set built by buf, envoy.yaml for compose and envoy.local.yaml for `npm start` on the default
// ports, both rendered from the contracts and policy.yaml. `npm run envoy:render` writes them;
// `npm run envoy:check` and the tests compare them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { internalServices, publicServices } from "../contracts.js";
import { CommunicationPolicy } from "../policy.js";
import { assertDescriptorSetMatches, buildDescriptorSet } from "./descriptor-set.js";
import { renderEnvoyYaml } from "./envoy-config.js";
import { composeDeployment, localDeployment, type EnvoyDeployment } from "./envoy-deployment.js";

/** The committed files, relative to the repository root. */
export const ENVOY_FILES = {
  config: "envoy/envoy.yaml",
  localConfig: "envoy/envoy.local.yaml",
  descriptors: "envoy/descriptors.binpb",
  policy: "policy.yaml",
} as const;

/** What rendering produces, by committed path. */
export interface EnvoyArtifacts {
  readonly config: string;
  readonly localConfig: string;
  readonly descriptors: Uint8Array;
}

/** policy.yaml of the repository at `root`. */
export function repositoryPolicy(root: string): CommunicationPolicy {
  return CommunicationPolicy.load(join(root, ENVOY_FILES.policy));
}

/** An Envoy config for `deployment` from the repository's policy and the generated contracts (no buf needed). */
export function renderEnvoyConfigFor(root: string, deployment: (policy: CommunicationPolicy) => EnvoyDeployment): string {
  const policy = repositoryPolicy(root);
  return renderEnvoyYaml({ policy, publicServices, internalServices, deployment: deployment(policy) });
}

/** Every file, with the descriptor set checked against the generated contracts. */
export function renderEnvoyArtifacts(root: string): EnvoyArtifacts {
  const descriptors = buildDescriptorSet(root);
  assertDescriptorSetMatches(descriptors, [...publicServices, ...internalServices]);
  return {
    config: renderEnvoyConfigFor(root, composeDeployment),
    // The defaults only: `npm start` renders its own copy when the environment moves a port.
    localConfig: renderEnvoyConfigFor(root, (policy) => localDeployment(policy)),
    descriptors,
  };
}

/** The committed files that differ from `artifacts` (missing ones included), as paths. */
export function staleEnvoyFiles(root: string, artifacts: EnvoyArtifacts): string[] {
  const committed = (path: string) => (existsSync(join(root, path)) ? readFileSync(join(root, path)) : undefined);
  const expected: Array<[string, Buffer]> = [
    [ENVOY_FILES.config, Buffer.from(artifacts.config, "utf8")],
    [ENVOY_FILES.localConfig, Buffer.from(artifacts.localConfig, "utf8")],
    [ENVOY_FILES.descriptors, Buffer.from(artifacts.descriptors)],
  ];
  return expected.filter(([path, bytes]) => !committed(path)?.equals(bytes)).map(([path]) => path);
}
