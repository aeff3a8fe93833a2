// `npm run render` builds envoy/descriptors.binpb with buf and renders, from it, manifest.yaml and
// policy.yaml: envoy/envoy.yaml (compose), envoy/envoy.local.yaml (`npm start`),
// docker-compose.yml, contracts/openapi.json (the REST API's OpenAPI document) and
// deploy/observability/generated/ (Prometheus's scrape config, Grafana's provisioning). `npm run
// render:check` (--check) renders in memory and fails when a committed file differs, which is how
// CI keeps hand edits and stale renders out.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { renderComposeFile } from "@junction/tools/compose/compose-file";
import { renderObservabilityFiles } from "@junction/tools/compose/observability";
import { ENVOY_FILES, renderEnvoyArtifacts, staleEnvoyFiles } from "@junction/tools/envoy/envoy-artifacts";
import { loadJunction, repositoryRoot as root } from "@junction/tools/junction";
import { OPENAPI_DOCUMENT, renderOpenApiFile } from "@junction/tools/openapi/openapi-artifacts";
import { Contracts } from "@junction/platform";

const check = process.argv.includes("--check");
const COMPOSE_FILE = "docker-compose.yml";

try {
  const artifacts = renderEnvoyArtifacts(root);
  const junction = loadJunction({}, Contracts.fromBinary(artifacts.descriptors));
  // Text files rendered from the manifest, by path from the repository root.
  const rendered: Record<string, string> = { [COMPOSE_FILE]: renderComposeFile(junction), [OPENAPI_DOCUMENT.file]: renderOpenApiFile(root), ...renderObservabilityFiles(junction) };
  const files = [ENVOY_FILES.config, ENVOY_FILES.localConfig, ENVOY_FILES.descriptors, ...Object.keys(rendered)];
  if (check) {
    const stale = staleEnvoyFiles(root, artifacts);
    for (const [file, content] of Object.entries(rendered)) if (!existsSync(join(root, file)) || readFileSync(join(root, file), "utf8") !== content) stale.push(file);
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
    for (const [file, content] of Object.entries(rendered)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), content);
    }
    console.log(`render: wrote ${files.join(", ")}`);
  }
} catch (error) {
  console.error(`render${check ? ":check" : ""}: ${(error as Error).message}`);
  process.exit(1);
}
