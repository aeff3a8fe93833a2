// `npm run envoy:render` builds envoy/descriptors.binpb with buf and renders envoy/envoy.yaml
// (compose) and envoy/envoy.local.yaml (`npm start`) from it, the contracts and policy.yaml.
// `npm run envoy:check` (--check) renders in memory and fails when the committed files differ,
// which is how CI keeps hand edits and stale renders out.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ENVOY_FILES, renderEnvoyArtifacts, staleEnvoyFiles } from "@junction/platform/envoy/envoy-artifacts";

const root = fileURLToPath(new URL("..", import.meta.url));
const check = process.argv.includes("--check");
const files = [ENVOY_FILES.config, ENVOY_FILES.localConfig, ENVOY_FILES.descriptors];

try {
  const artifacts = renderEnvoyArtifacts(root);
  if (check) {
    const stale = staleEnvoyFiles(root, artifacts);
    if (stale.length > 0) {
      console.error(`envoy:check: ${stale.join(" and ")} ${stale.length > 1 ? "are" : "is"} not what rendering produces.`);
      console.error("  They are generated from policy.yaml and proto/, never edited by hand.");
      console.error("  Run `npm run envoy:render` and commit envoy/ (see docs/deployment.md).");
      process.exit(1);
    }
    console.log(`envoy:check: ${files.join(", ")} are current`);
  } else {
    mkdirSync(join(root, dirname(ENVOY_FILES.config)), { recursive: true });
    writeFileSync(join(root, ENVOY_FILES.descriptors), artifacts.descriptors);
    writeFileSync(join(root, ENVOY_FILES.config), artifacts.config);
    writeFileSync(join(root, ENVOY_FILES.localConfig), artifacts.localConfig);
    console.log(`envoy:render: wrote ${files.join(", ")}`);
  }
} catch (error) {
  console.error(`envoy:${check ? "check" : "render"}: ${(error as Error).message}`);
  process.exit(1);
}
