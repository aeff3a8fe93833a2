// CORS as both edges answer it (the TypeScript edge, and the Envoy render): which methods and
// headers a browser may use and read; the allowed origins are the deployment's.
import { cors as connectCors } from "@connectrpc/connect";

/** CORS as both edges answer it; the allowed origins are the deployment's (JUNCTION_EDGE_CORS_ORIGINS). */
export const corsSettings = {
  allowMethods: "GET, POST, PUT, PATCH, DELETE, OPTIONS",
  allowHeaders: [...connectCors.allowedHeaders, "Authorization", "X-Request-Id", "Idempotency-Key"].join(", "),
  exposeHeaders: [...connectCors.exposedHeaders, "X-Request-Id", "Retry-After", "X-Junction-Rate-Limit"].join(", "),
  maxAge: "7200",
} as const;

/** Allowed CORS origins from JUNCTION_EDGE_CORS_ORIGINS' value: "*" (any; tokens travel in headers, never cookies) or a comma-separated list. */
export function corsOriginsOf(value: string | undefined): "*" | string[] {
  const origins = (value ?? "*").split(",").map((origin) => origin.trim()).filter(Boolean);
  return origins.length === 0 || origins.includes("*") ? "*" : origins;
}
