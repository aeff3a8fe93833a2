// The command-line tools `npm run setup` installs into var/tools/bin (scripts/setup.sh), for
// tests that drive the real grpcurl, NATS CLI, nats-server and Envoy.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/** Where setup puts the tools. */
export const toolsBin = `${repositoryRoot}var/tools/bin`;

/** The absolute path of `name` in var/tools/bin; throws with the setup hint when it is missing. */
export function tool(name: "envoy" | "grpcurl" | "nats" | "nats-server" | "connectconformance" | "ghz" | "schemathesis"): string {
  const path = `${toolsBin}/${name}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run setup\` first`);
  return path;
}

/** The pinned versions of scripts/toolchain.env, by variable name (e.g. NATSCLI_VERSION). */
export function pinnedVersions(): Record<string, string> {
  const text = readFileSync(`${repositoryRoot}scripts/toolchain.env`, "utf8");
  return Object.fromEntries([...text.matchAll(/^([A-Z_]+)="?([^"\n]*)"?$/gm)].map((m) => [m[1]!, m[2]!]));
}
