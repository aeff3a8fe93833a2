// Where the OpenAPI document of the REST API lives: rendered into the repository by `npm run
// render` (tools/src/openapi) and served, unchanged, by both edges without a token or a rate limit.

/** The committed document (relative to the repository root, and to Envoy's working directory) and the path both edges serve it at. */
export const OPENAPI_DOCUMENT = {
  file: "contracts/openapi.json",
  urlPath: "/openapi.json",
} as const;
