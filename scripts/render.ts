// `npm run render` builds envoy/descriptors.binpb with buf and renders, from it, manifest.yaml and
// policy.yaml: envoy/envoy.yaml (compose), envoy/envoy.local.yaml (`npm start`),
// docker-compose.yml and contracts/openapi.json (the REST API's OpenAPI document). `npm run
// render:check` (--check) renders in memory and fails when a committed file differs, which is how
// CI keeps hand edits and stale renders out.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderComposeFile } from "@junction/tools/compose/compose-file";
import { ENVOY_FILES, renderEnvoyArtifacts, staleEnvoyFiles } from "@junction/tools/envoy/envoy-artifacts";
import { loadJunction, repositoryRoot as root } from "@junction/tools/junction";
import { OPENAPI_DOCUMENT, renderOpenApiFile } from "@junction/tools/openapi/openapi-artifacts";
import { Contracts } from "@junction/platform";

const check = process.argv.includes("--check");
const COMPOSE_FILE = "docker-compose.yml";
const files = [ENVOY_FILES.config, ENVOY_FILES.localConfig, ENVOY_FILES.descriptors, COMPOSE_FILE, OPENAPI_DOCUMENT.file];

try {
  const artifacts = renderEnvoyArtifacts(root);
  const compose = renderComposeFile(loadJunction({}, Contracts.fromBinary(artifacts.descriptors)));
  const openApi = renderOpenApiFile(root);
  if (check) {
    const stale = staleEnvoyFiles(root, artifacts);
    if (readFileSync(join(root, COMPOSE_FILE), "utf8") !== compose) stale.push(COMPOSE_FILE);
    if (!existsSync(join(root, OPENAPI_DOCUMENT.file)) || readFileSync(join(root, OPENAPI_DOCUMENT.file), "utf8") !== openApi) stale.push(OPENAPI_DOCUMENT.file);
    if (stale.length > 0) {
      console.error(`render:check: ${stale.join(" and ")} ${stale.length > 1 ? "are" : "is"} not what rendering produces.`);
      console.error("  They are generated from manifest.yaml, policy.yaml and proto/, never edited by hand.");
      console.error("  Run `npm run render` and commit the result (see docs/deployment.md).");
      process.exit(1);
    }
    console.log(`render:check: ${files.join(", ")} are current`);
  } else {
    writeFileSync(join(root, ENVOY_FILES.descriptors), artifacts.descriptors);
    writeFileSync(join(root, ENVOY_FILES.config), artifacts.config);
    writeFileSync(join(root, ENVOY_FILES.localConfig), artifacts.localConfig);
    writeFileSync(join(root, COMPOSE_FILE), compose);
    writeFileSync(join(root, OPENAPI_DOCUMENT.file), openApi);
    console.log(`render: wrote ${files.join(", ")}`);
  }
} catch (error) {
  console.error(`render${check ? ":check" : ""}: ${(error as Error).message}`);
  process.exit(1);
}
