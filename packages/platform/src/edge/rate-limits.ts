// The edge's rate limits, defined once for both edges: the TypeScript edge counts them in Redis,
// Envoy's local_ratelimit buckets are rendered from them. Requests per minute; 0 disables one.
import { envInt, loadConfig } from "../config.js";

/** Requests allowed per minute per client address and per signed-in user; 0 disables a limit. */
export interface EdgeRateLimits {
  readonly perClientPerMinute: number;
  readonly perUserPerMinute: number;
}

/** The limits when the environment sets none. */
export const DEFAULT_EDGE_RATE_LIMITS: EdgeRateLimits = { perClientPerMinute: 1200, perUserPerMinute: 600 };

/** The limits from JUNCTION_EDGE_RATE_LIMIT_PER_CLIENT and JUNCTION_EDGE_RATE_LIMIT_PER_USER, defaults applied. */
export function edgeRateLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): EdgeRateLimits {
  return loadConfig(
    {
      perClientPerMinute: envInt("JUNCTION_EDGE_RATE_LIMIT_PER_CLIENT", DEFAULT_EDGE_RATE_LIMITS.perClientPerMinute, 0),
      perUserPerMinute: envInt("JUNCTION_EDGE_RATE_LIMIT_PER_USER", DEFAULT_EDGE_RATE_LIMITS.perUserPerMinute, 0),
    },
    env,
  );
}
