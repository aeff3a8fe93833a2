// Where a manifest's services are on this machine: each one's port and URLs, overridable by the
// environment (JUNCTION_<NAME>_PORT, JUNCTION_<NAME>_URL), so tests and deployments move them
// without editing the manifest.
import { envPort, envUrlList, loadConfig } from "../config.js";
import type { ManifestService } from "./manifest.js";

/** The port `service` listens on: JUNCTION_<NAME>_PORT, else the manifest's. */
export function servicePort(service: Pick<ManifestService, "name" | "port">, env: NodeJS.ProcessEnv = process.env): number {
  return loadConfig({ port: envPort(`JUNCTION_${service.name.toUpperCase()}_PORT`, service.port) }, env).port;
}

/** The endpoints callers reach `service` at: JUNCTION_<NAME>_URL (comma-separated), else its port on loopback. */
export function serviceUrls(service: Pick<ManifestService, "name" | "port">, env: NodeJS.ProcessEnv = process.env): string[] {
  const variable = `JUNCTION_${service.name.toUpperCase()}_URL`;
  return loadConfig({ urls: envUrlList(variable, `http://127.0.0.1:${servicePort(service, env)}`) }, env).urls;
}
