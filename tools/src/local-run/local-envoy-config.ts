// The Envoy config `npm start` runs. With the default ports and limits it is the committed
// envoy/envoy.local.yaml itself, the file CI validates and reviewers read; when the environment
// moves a port or changes a limit, the same renderer writes a copy for those values under var/run,
// removed when the platform stops. Either way nothing is edited by hand.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENVOY_FILES, renderEnvoyConfigFor } from "../envoy/envoy-artifacts.js";
import { localDeployment, type EnvoyDeployment } from "../envoy/envoy-deployment.js";
import { loadJunction } from "../junction.js";

/** A config ready to run, its deployment, and how to clean up after it. */
export interface LocalEnvoyConfig {
  readonly path: string;
  readonly deployment: EnvoyDeployment;
  /** True when the committed file is used as is. */
  readonly committed: boolean;
  remove(): void;
}

/** The config for a local run with `env`, in the repository at `root`. */
export function localEnvoyConfig(root: string, env: NodeJS.ProcessEnv): LocalEnvoyConfig {
  const junction = loadJunction(env);
  const deployment = localDeployment(junction, env);
  const rendered = renderEnvoyConfigFor(() => deployment, junction);
  const committedPath = join(root, ENVOY_FILES.localConfig);
  if (readFileSync(committedPath, "utf8") === rendered) return { path: committedPath, deployment, committed: true, remove: () => {} };
  mkdirSync(join(root, "var", "run"), { recursive: true });
  const dir = mkdtempSync(join(root, "var", "run", "envoy-"));
  writeFileSync(join(dir, "envoy.yaml"), rendered);
  return { path: join(dir, "envoy.yaml"), deployment, committed: false, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
