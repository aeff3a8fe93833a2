// The one error the Envoy renderer throws: the inputs ask for something it cannot render.

/** Thrown when the policy or contracts ask for something Envoy cannot express; the message says what and where. */
export class EnvoyRenderError extends Error {
  override name = "EnvoyRenderError";
}
