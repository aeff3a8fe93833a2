// The errors the edge answers itself: REST errors as google.rpc.Status JSON, and errors before any
// service is called (rate limited, unknown RPC) in the protocol the caller spoke, as Envoy's local
// replies answer it (packages/platform/src/server/caller-error.ts, shared with every service port).
import type http from "node:http";
import { type HttpHandler } from "@junction/platform";

export { callerProtocol, sendCallerError, sendRestError as sendError } from "@junction/platform";

type Response = Parameters<HttpHandler>[1];

/** Sends a JSON body with `status`. */
export function sendJson(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  (res as http.ServerResponse).writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
