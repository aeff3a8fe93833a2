// The Junction side of service-to-service benchmarks: an orgs service hosted by the runtime like
// any other (service credentials, user authentication and session check on), serving
// InternalOrgsService.ListUserOrganizations with a fixed answer, so only the platform is measured.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { bind, defineService, Manifest, startService, type RunningService } from "@junction/platform";
import { organizationsAnswer } from "./fixtures.js";

/** The repository's manifest with orgs serving only InternalOrgsService, without database or events. */
export function standInManifest(): Manifest {
  const file = process.env.JUNCTION_MANIFEST_FILE ?? resolve("manifest.yaml");
  const document = parse(readFileSync(file, "utf8")) as { services: Record<string, Record<string, unknown>> };
  const orgs = document.services.orgs!;
  document.services.orgs = { port: orgs.port, main: orgs.main, internal: [InternalOrgsService.typeName], publishes: false };
  for (const other of Object.values(document.services)) other.consumes = ((other.consumes as string[] | undefined) ?? []).filter((s) => s !== "orgs");
  return Manifest.fromObject(document, file);
}

/** Starts the stand-in with the process's environment. */
export function startOrgsStandIn(env: NodeJS.ProcessEnv = process.env): Promise<RunningService<unknown>> {
  const answer = organizationsAnswer();
  const declaration = defineService({ name: "orgs", domain: () => ({}), rpcs: () => [bind(InternalOrgsService, { listUserOrganizations: () => answer })] });
  return startService(declaration, { env, manifest: standInManifest() });
}
