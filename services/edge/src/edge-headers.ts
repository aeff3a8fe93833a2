// What the edge does to every request before routing: a request id in and out, internal
// headers a client must not set removed, the client address recorded, CORS answered.
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { cors as connectCors } from "@connectrpc/connect";
import { SERVICE_TOKEN_HEADER } from "@junction/platform/identity/service-credentials";
import { REQUEST_ID_HEADER } from "@junction/platform/server/call-observation";
import type { HttpHandler } from "@junction/platform/server/service-server";

// Headers only Junction's own components may set.
const INTERNAL_HEADERS = [SERVICE_TOKEN_HEADER, "x-forwarded-for", "x-real-ip"];
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const ALLOWED_HEADERS = [...connectCors.allowedHeaders, "Authorization", "X-Request-Id", "Idempotency-Key"].join(", ");
const EXPOSED_HEADERS = [...connectCors.exposedHeaders, "X-Request-Id", "Retry-After"].join(", ");

/** The client's address as the edge saw it. */
export function clientAddress(req: Parameters<HttpHandler>[0]): string {
  return req.socket?.remoteAddress ?? "unknown";
}

/** Request id, header hygiene and CORS around `next`. `origins` is "*" or a list of allowed origins. */
export function edgeHeaders(next: HttpHandler, origins: "*" | readonly string[]): HttpHandler {
  return (req, res) => {
    const given = req.headers[REQUEST_ID_HEADER];
    const requestId = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    for (const name of INTERNAL_HEADERS) delete req.headers[name];
    req.headers[REQUEST_ID_HEADER] = requestId;
    req.headers["x-forwarded-for"] = clientAddress(req);
    const response = res as http.ServerResponse;
    response.setHeader(REQUEST_ID_HEADER, requestId);

    const origin = req.headers.origin;
    if (typeof origin === "string" && (origins === "*" || origins.includes(origin))) {
      response.setHeader("access-control-allow-origin", origins === "*" ? "*" : origin);
      response.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
      if (origins !== "*") response.setHeader("vary", "Origin");
      if (req.method === "OPTIONS") {
        response.setHeader("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
        response.setHeader("access-control-allow-headers", ALLOWED_HEADERS);
        response.setHeader("access-control-max-age", "7200");
        response.writeHead(204);
        response.end();
        return;
      }
    }
    next(req, res);
  };
}
