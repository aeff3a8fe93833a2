// Every Redis key Junction writes starts with one namespace, so several deployments (or tests
// running in parallel) can share one Redis without seeing each other's sessions or caches.
import { envString, loadConfig } from "./config.js";

/** The environment variable naming the namespace; default "junction". */
export const REDIS_NAMESPACE_ENV = "JUNCTION_REDIS_NAMESPACE";

/** The Redis key namespace from JUNCTION_REDIS_NAMESPACE (default "junction"). */
export function redisNamespace(env: NodeJS.ProcessEnv = process.env): string {
  return loadConfig({ namespace: envString(REDIS_NAMESPACE_ENV, "junction") }, env).namespace;
}

/** A key inside `namespace`, its parts joined by ":" (e.g. "junction:session:<id>"). */
export function redisKey(namespace: string, ...parts: string[]): string {
  return [namespace, ...parts].join(":");
}
