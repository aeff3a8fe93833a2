// The pages services serve to outside clients (the manifest's `pages`, e.g. where an email link
// leads) pass through the edge as they are: method, query, body and the headers that matter go to
// the service's port, its answer comes back. Envoy routes the same paths the same way.
import http from "node:http";
import type http2 from "node:http2";
import { edgeReplies, type HttpHandler, MAX_REQUEST_BODY_BYTES } from "@junction/platform";
import { sendCallerError } from "./protocol-replies.js";

const FORWARDED_REQUEST_HEADERS = ["content-type", "accept", "accept-language", "user-agent", "x-request-id", "x-forwarded-for"];
const RETURNED_RESPONSE_HEADERS = ["content-type", "cache-control", "content-security-policy", "referrer-policy", "location", "retry-after"];

/** A handler passing requests for `path` to the service at `baseUrl`. */
export function pageProxy(baseUrl: string, timeoutMs: number): HttpHandler {
  return (req, res) => {
    const target = new URL(req.url ?? "/", baseUrl);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const upstream = http.request(target, { method: req.method, headers, timeout: timeoutMs }, (answer) => {
      const back: Record<string, string> = {};
      for (const name of RETURNED_RESPONSE_HEADERS) {
        const value = answer.headers[name];
        if (typeof value === "string") back[name] = value;
      }
      (res as http.ServerResponse).writeHead(answer.statusCode ?? 502, back);
      answer.pipe(res as http.ServerResponse);
    });
    const fail = (error: Error & { code?: string }) =>
      res.headersSent ? res.destroy() : sendCallerError(req, res, error.code === "ETIMEDOUT" ? edgeReplies.upstreamTimeout() : edgeReplies.upstreamUnavailable());
    upstream.on("timeout", () => upstream.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    upstream.on("error", fail);
    let size = 0;
    (req as http.IncomingMessage | http2.Http2ServerRequest).on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) {
        upstream.destroy();
        if (!res.headersSent) sendCallerError(req, res, edgeReplies.bodyTooLarge());
        return;
      }
      upstream.write(chunk);
    });
    (req as http.IncomingMessage).on("end", () => upstream.end());
  };
}
