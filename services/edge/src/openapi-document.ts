// GET /openapi.json: the committed OpenAPI document (contracts/openapi.json), read once at start and
// served as it is, so this edge and Envoy answer the same bytes. No token, no rate limit: a client
// reads it before it has either. Other verbs get what any unrouted path gets.
import { readFileSync } from "node:fs";
import type http from "node:http";
import { type HttpHandler, OPENAPI_DOCUMENT } from "@junction/platform";

/** True for a request to the document's path, whatever its verb or query. */
export function requestsOpenApiDocument(req: Parameters<HttpHandler>[0]): boolean {
  return (req.url ?? "/").split("?")[0] === OPENAPI_DOCUMENT.urlPath;
}

/** The handler serving the document at `file` to GET, and passing other verbs to `otherwise`. */
export function openApiDocument(file: string, otherwise: HttpHandler): HttpHandler {
  const body = readFileSync(file);
  return (req, res) => {
    if (req.method !== "GET") return otherwise(req, res);
    (res as http.ServerResponse).writeHead(200, { "content-type": "application/json", "content-length": String(body.length) });
    res.end(body);
  };
}
