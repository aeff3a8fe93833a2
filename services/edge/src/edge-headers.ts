// What the edge does to every request before routing: a fresh request id in and out (whatever
// id the client sent, as Envoy's public listener does), internal headers a client must not set
// removed, the client address recorded, CORS answered.
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { type AllowedOrigins, corsSettings, EDGE_KEY_HEADER, type HttpHandler, originAllowed, REQUEST_ID_HEADER, SERVICE_TOKEN_HEADER } from "@junction/platform";

// Headers only Junction's own components may set.
const INTERNAL_HEADERS = [SERVICE_TOKEN_HEADER, EDGE_KEY_HEADER, "x-forwarded-for", "x-real-ip"];

/** The client's address as the edge saw it. */
export function clientAddress(req: Parameters<HttpHandler>[0]): string {
  return req.socket?.remoteAddress ?? "unknown";
}

/** Request id, header hygiene and CORS around `next`, for the browser origins `origins` allows. */
export function edgeHeaders(next: HttpHandler, origins: AllowedOrigins): HttpHandler {
  return (req, res) => {
    const requestId = randomUUID();
    for (const name of INTERNAL_HEADERS) delete req.headers[name];
    req.headers[REQUEST_ID_HEADER] = requestId;
    req.headers["x-forwarded-for"] = clientAddress(req);
    const response = res as http.ServerResponse;
    response.setHeader(REQUEST_ID_HEADER, requestId);

    const origin = req.headers.origin;
    if (typeof origin === "string" && originAllowed(origins, origin)) {
      // The origin itself, as Envoy's cors filter answers.
      response.setHeader("access-control-allow-origin", origin);
      response.setHeader("access-control-expose-headers", corsSettings.exposeHeaders);
      response.setHeader("vary", "Origin");
      if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
        response.setHeader("access-control-allow-methods", corsSettings.allowMethods);
        response.setHeader("access-control-allow-headers", corsSettings.allowHeaders);
        response.setHeader("access-control-max-age", corsSettings.maxAge);
        // 200 with an empty body, as Envoy answers a preflight.
        response.writeHead(200, { "content-length": "0" });
        response.end();
        return;
      }
    }
    next(req, res);
  };
}
