// The committed files under envoy/ and how they are produced from the repository: the descriptor
// set built by buf, envoy.yaml for compose and envoy.local.yaml for `npm start` on the default
// ports, both rendered from the manifest, the contracts and policy.yaml. `npm run render`
// writes them; `npm run render:check` and the tests compare them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Contracts } from "@junction/platform";
import { loadJunction, type Junction } from "../junction.js";
import { buildDescriptorSet } from "./descriptor-set.js";
import { renderEnvoyYaml } from "./envoy-config.js";
import { composeDeployment, localDeployment, type EnvoyDeployment } from "./envoy-deployment.js";

/** The committed files, relative to the repository root. */
export const ENVOY_FILES = {
  config: "envoy/envoy.yaml",
  localConfig: "envoy/envoy.local.yaml",
  descriptors: "envoy/descriptors.binpb",
} as const;

/** What rendering produces, by committed path. */
export interface EnvoyArtifacts {
  readonly config: string;
  readonly localConfig: string;
  readonly descriptors: Uint8Array;
}

/** An Envoy config of `junction` (default: the repository's, from its committed descriptor set) for `deployment`. */
export function renderEnvoyConfigFor(deployment: (junction: Junction) => EnvoyDeployment, junction: Junction = loadJunction({})): string {
  return renderEnvoyYaml({ ...junction, deployment: deployment(junction) });
}

/** Every file, from a fresh build of the descriptor set. */
export function renderEnvoyArtifacts(root: string): EnvoyArtifacts {
  const descriptors = buildDescriptorSet(root);
  const junction = loadJunction({}, Contracts.fromBinary(descriptors, "the descriptor set buf built"));
  return {
    config: renderEnvoyConfigFor(composeDeployment, junction),
    // `npm start`'s defaults (development mode: this machine's pages may call); it renders its own
    // copy when the environment moves a port or changes a setting.
    localConfig: renderEnvoyConfigFor((j) => localDeployment(j, { JUNCTION_DEV_MODE: "true" }), junction),
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
