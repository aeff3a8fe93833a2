// How the Envoy edge proves to a service that a call came through it: Envoy cannot mint service
// tokens, so it adds a fixed secret, the edge key, to every request from outside (replacing any
// a client sent). A service that receives the right key treats the caller as the edge, as it
// treats the TypeScript edge's service token: it may trust the client address the edge
// forwards. The key opens no internal API; those still require a service token.
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { loadConfig } from "../config.js";
import type { ServiceSecret } from "./service-credentials.js";

/** The request header carrying the edge key. */
export const EDGE_KEY_HEADER = "x-junction-edge-key";
/** The environment variable holding the edge key (Envoy reads it too). */
export const EDGE_KEY_ENV = "JUNCTION_EDGE_KEY";
/** The name a call proven by the edge key has as its calling service. */
export const EDGE_CALLER = "edge";

/** The edge key: JUNCTION_EDGE_KEY, or else one derived from the service secret (what `npm start` and the tests give Envoy). */
export function edgeKeyFromEnv(env: NodeJS.ProcessEnv, secret: ServiceSecret): string {
  const { key } = loadConfig(
    { key: { name: EDGE_KEY_ENV, schema: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(32).optional()) as z.ZodType<string | undefined>, hint: "a secret of at least 32 characters" } },
    env,
  );
  return key ?? createHmac("sha256", secret).update("junction edge key").digest("base64url");
}

/** True when `presented` is the edge key. */
export function isEdgeKey(presented: string | null, key: string): boolean {
  if (presented === null) return false;
  const [a, b] = [Buffer.from(presented), Buffer.from(key)];
  return a.length === b.length && timingSafeEqual(a, b);
}
