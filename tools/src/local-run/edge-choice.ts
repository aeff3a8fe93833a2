// Which edge `npm start` puts on :8080: the real Envoy when it is installed, the TypeScript edge
// otherwise; JUNCTION_EDGE=envoy or JUNCTION_EDGE=typescript forces one.
import { ENVOY_SETUP_HINT, installedEnvoy } from "./envoy-process.js";

/** The edge to run, or why none can run. */
export type EdgeChoice =
  | { readonly kind: "envoy"; readonly binary: string; readonly why: string }
  | { readonly kind: "typescript"; readonly why: string }
  | { readonly kind: "none"; readonly why: string };

/** Chooses the edge from JUNCTION_EDGE and what is installed under `root`. */
export function chooseEdge(root: string, env: NodeJS.ProcessEnv): EdgeChoice {
  const wanted = env.JUNCTION_EDGE ?? "";
  const binary = installedEnvoy(root, env);
  if (!["", "envoy", "typescript"].includes(wanted)) return { kind: "none", why: `JUNCTION_EDGE is "${wanted}"; use envoy or typescript` };
  if (wanted === "typescript") return { kind: "typescript", why: "JUNCTION_EDGE=typescript" };
  if (binary) return { kind: "envoy", binary, why: wanted === "envoy" ? "JUNCTION_EDGE=envoy" : `Envoy is installed (${binary})` };
  if (wanted === "envoy") return { kind: "none", why: `JUNCTION_EDGE=envoy, but Envoy is not installed. Install it with:\n    ${ENVOY_SETUP_HINT}` };
  return { kind: "typescript", why: `Envoy is not installed (${ENVOY_SETUP_HINT} installs it)` };
}
