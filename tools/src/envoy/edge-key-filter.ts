// The Envoy edge's proof to the services that a request came through it (see
// packages/platform/src/identity/edge-key.ts): every request from the public listener carries
// the edge key, which replaces any a client sent. The key is never in the rendered file: Envoy
// reads it from its environment (JUNCTION_EDGE_KEY) into a static secret.
import { EDGE_KEY_ENV, EDGE_KEY_HEADER } from "@junction/platform";
import { namedExtension, typedConfig, type EnvoyJson } from "./envoy-values.js";

const SECRET_NAME = "junction-edge-key";

/** The static secret holding the edge key, from Envoy's environment. */
export function edgeKeySecret(): EnvoyJson {
  return { name: SECRET_NAME, generic_secret: { secret: { environment_variable: EDGE_KEY_ENV } } };
}

/** The filter adding the edge key to every request, overwriting a client's. */
export function edgeKeyFilter(): EnvoyJson {
  return namedExtension("envoy.filters.http.credential_injector", "envoy.extensions.filters.http.credential_injector.v3.CredentialInjector", {
    overwrite: true,
    credential: {
      name: "envoy.http.injected_credentials.generic",
      typed_config: typedConfig("envoy.extensions.http.injected_credentials.generic.v3.Generic", { credential: { name: SECRET_NAME }, header: EDGE_KEY_HEADER }),
    },
  });
}
