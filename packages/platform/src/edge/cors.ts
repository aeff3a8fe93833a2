// CORS as both edges answer it (the TypeScript edge, and the Envoy render): which methods and
// headers a browser may use and read, and which origins may call. Origins are the deployment's:
// manifest.yaml's edge.corsOrigins, or JUNCTION_EDGE_CORS_ORIGINS in their place; in development
// mode pages served from this machine (localhost, 127.0.0.1, [::1], any port) may call too. By
// default no other origin gets CORS headers, and the opaque origin "null" (sandboxed frames,
// file: pages) never does, not even with "*".
import { cors as connectCors } from "@connectrpc/connect";
import { z } from "zod";
import { ConfigError, developmentMode, envString, loadConfig } from "../config.js";

/** CORS as both edges answer it; the allowed origins are the deployment's (see `allowedOrigins`). */
export const corsSettings = {
  allowMethods: "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  allowHeaders: [...connectCors.allowedHeaders, "Authorization", "X-Request-Id", "Idempotency-Key"].join(", "),
  exposeHeaders: [...connectCors.exposedHeaders, "X-Request-Id", "Retry-After", "X-Junction-Rate-Limit", "Idempotent-Replayed"].join(", "),
  maxAge: "7200",
} as const;

/** Which origins browsers may call the edge from. */
export interface AllowedOrigins {
  /** Origins allowed exactly, e.g. "https://app.example.com". */
  readonly exact: readonly string[];
  /** Any http or https origin ("*" configured); never "null". */
  readonly anyWebOrigin: boolean;
  /** http(s)://localhost, 127.0.0.1 or [::1] on any port (development mode). */
  readonly localhost: boolean;
}

/** RE2- and JavaScript-compatible patterns, so both edges match the same origins. */
export const ORIGIN_PATTERNS = {
  anyWebOrigin: "https?://[^/\\s]+",
  localhost: "https?://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:[0-9]{1,5})?",
} as const;

const anyWebOrigin = new RegExp(`^${ORIGIN_PATTERNS.anyWebOrigin}$`);
const localhostOrigin = new RegExp(`^${ORIGIN_PATTERNS.localhost}$`);

/** An origin as a browser sends it: scheme://host[:port], nothing after. */
const originSchema = z.union([
  z.literal("*"),
  z.string().refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  }, "expected origins like https://app.example.com (scheme, host and port only) or *"),
]);

/** What is wrong with a list of allowed origins, each problem naming `source`; empty when nothing is. */
export function originProblems(list: readonly string[], source: string): string[] {
  return list.flatMap((origin) => {
    const parsed = originSchema.safeParse(origin);
    return parsed.success ? [] : [`${source}: "${origin}" is not an origin (${parsed.error.issues[0]?.message})`];
  });
}

function parseOrigins(list: readonly string[], source: string): string[] {
  const problems = originProblems(list, source);
  if (problems.length > 0) throw new ConfigError(problems);
  return [...list];
}

/** The origins allowed: JUNCTION_EDGE_CORS_ORIGINS if set, else the manifest's, plus localhost in development mode. */
export function allowedOrigins(manifestOrigins: readonly string[], env: NodeJS.ProcessEnv = {}): AllowedOrigins {
  const configured = loadConfig({ list: envString("JUNCTION_EDGE_CORS_ORIGINS", "") }, env).list;
  const fromEnv = configured.trim() === "" ? undefined : configured.split(",").map((o) => o.trim()).filter(Boolean);
  const origins = fromEnv ? parseOrigins(fromEnv, "JUNCTION_EDGE_CORS_ORIGINS") : parseOrigins(manifestOrigins, "manifest edge.corsOrigins");
  return {
    exact: origins.filter((origin) => origin !== "*"),
    anyWebOrigin: origins.includes("*"),
    localhost: developmentMode(env),
  };
}

/** True when a browser page from `origin` may call the edge. */
export function originAllowed(allowed: AllowedOrigins, origin: string): boolean {
  if (allowed.exact.includes(origin)) return true;
  if (allowed.anyWebOrigin && anyWebOrigin.test(origin)) return true;
  return allowed.localhost && localhostOrigin.test(origin);
}

/** True when no origin at all may call (no CORS headers are ever sent). */
export function noOrigins(allowed: AllowedOrigins): boolean {
  return allowed.exact.length === 0 && !allowed.anyWebOrigin && !allowed.localhost;
}
