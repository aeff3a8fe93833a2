// Stand-in services for tests: a service of the repository's manifest replaced by one that
// serves only `apis` (no database, no events), hosted by the runtime like the real one.
import { readFileSync } from "node:fs";
import type { DescService } from "@bufbuild/protobuf";
import { bind, defineService, Manifest, startService, type ServiceBinding } from "@junction/platform";
import { parse } from "yaml";
import { repositoryRoot } from "../../packages/platform/test/support/tools.js";
import type { ServiceStarter } from "./platform.js";

/** The repository's manifest with `name` serving only `services`, without database or events. */
export function standInManifest(name: string, services: readonly DescService[]): Manifest {
  const file = `${repositoryRoot}manifest.yaml`;
  const document = parse(readFileSync(file, "utf8")) as { services: Record<string, Record<string, unknown>> };
  const entry = document.services[name]!;
  document.services[name] = { port: entry.port, main: entry.main, internal: services.map((s) => s.typeName), publishes: false };
  // Nobody may consume a stand-in's stream: it publishes none.
  for (const other of Object.values(document.services)) other.consumes = ((other.consumes as string[] | undefined) ?? []).filter((s) => s !== name);
  return Manifest.fromObject(document, file);
}

/** A starter for a stand-in `name` serving `bindings`, hosted with service credentials and identity checks. */
export function standIn(name: string, bindings: readonly ServiceBinding[]): ServiceStarter {
  const manifest = standInManifest(name, bindings.map((b) => b.service));
  const declaration = defineService({ name, identity: { sessionCheck: false }, domain: () => ({}), rpcs: () => [...bindings] });
  return (options) => startService(declaration, { ...options, manifest });
}

export { bind };
