// Junction as its files declare it: the manifest (services, ports, APIs, streams), the
// communication policy and the contracts (the descriptor set buf builds). The tools that render,
// start and inspect the system read it from here; nothing in tools/ keeps a service list of its own.
import { fileURLToPath } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import { CommunicationPolicy, Contracts, Manifest } from "@junction/platform";

/** The repository root. */
export const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Junction's topology, policy and contracts. */
export interface Junction {
  readonly manifest: Manifest;
  readonly policy: CommunicationPolicy;
  readonly contracts: Contracts;
  readonly publicServices: readonly DescService[];
  readonly internalServices: readonly DescService[];
  readonly allServices: readonly DescService[];
}

/**
 * Loads the manifest (JUNCTION_MANIFEST_FILE or the repository's), its policy file and its
 * contracts (the committed descriptor set, or `contracts` when given: a fresh build); the
 * policy's methods are checked against them.
 */
export function loadJunction(env: NodeJS.ProcessEnv = process.env, contracts?: Contracts): Junction {
  const manifest = Manifest.load(env.JUNCTION_MANIFEST_FILE || `${repositoryRoot}manifest.yaml`);
  const policy = CommunicationPolicy.load(env.JUNCTION_POLICY_FILE || `${repositoryRoot}policy.yaml`, manifest);
  contracts ??= Contracts.load(manifest.contractsFile);
  const services = contracts.servicesOf(manifest);
  policy.assertMethodsExist(services.allServices);
  return { manifest, policy, contracts, ...services };
}
