// An error answered before (or instead of) any handler, in the protocol the caller spoke, as
// Envoy's local replies answer it: gRPC and gRPC-Web get a trailers-only reply with the status in
// headers, Connect its JSON error (or, for a stream, the end-of-stream message), anything else
// google.rpc.Status JSON with the mapped HTTP status.
import type http from "node:http";
import type { ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, endStreamFlag, endStreamToJson, errorToJson } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { restStatusOf } from "../edge/edge-replies.js";
import { errorBody } from "../edge/http-errors.js";
import type { HttpHandler } from "./service-server.js";
import { respondTrailersOnly } from "./trailers-only.js";

type Request = Parameters<HttpHandler>[0];
type Response = Parameters<HttpHandler>[1];

// Headers of an error a REST client acts on: the challenge of a 401, when to retry a 503.
const CLIENT_HEADERS = ["www-authenticate", "retry-after"];

/** The protocol of a request, from its headers. */
export function callerProtocol(req: Request): "grpc" | "connect-stream" | "connect" | "rest" {
  const contentType = String(req.headers["content-type"] ?? "");
  if (contentType.startsWith("application/grpc")) return "grpc";
  if (contentType.startsWith("application/connect+")) return "connect-stream";
  return req.headers["connect-protocol-version"] === "1" ? "connect" : "rest";
}

/** Sends `error` as a REST error (google.rpc.Status JSON), with its WWW-Authenticate challenge and Retry-After when it has them. */
export function sendRestError(res: Response, error: ConnectError): void {
  const headers: Record<string, string> = { "content-type": "application/json" };
  for (const name of CLIENT_HEADERS) {
    const value = error.metadata.get(name);
    if (value) headers[name] = value;
  }
  (res as http.ServerResponse).writeHead(restStatusOf(error), headers);
  res.end(JSON.stringify(errorBody(error)));
}

/** Sends `error` in the caller's protocol. `connectStatus` replaces the usual HTTP status for Connect callers, streams included. */
export function sendCallerError(req: Request, res: Response, error: ConnectError, connectStatus?: number): void {
  const response = res as http.ServerResponse;
  const contentType = String(req.headers["content-type"] ?? "");
  const protocol = callerProtocol(req);
  // An RPC error's metadata (a 401's WWW-Authenticate) goes in response headers, as connect sends it.
  if (protocol !== "rest") for (const [name, value] of error.metadata) response.setHeader(name, value);
  if (protocol === "grpc") {
    respondTrailersOnly(req, res, { ...Object.fromEntries(error.metadata), ...Object.fromEntries(setTrailerStatus(new Headers(), error).entries()), "content-type": contentType });
  } else if (protocol === "connect-stream" && connectStatus === undefined) {
    const json = Buffer.from(JSON.stringify(endStreamToJson(new Headers(), error, undefined)));
    const prefix = Buffer.alloc(5);
    prefix[0] = endStreamFlag;
    prefix.writeUInt32BE(json.length, 1);
    response.writeHead(200, { "content-type": contentType });
    response.end(Buffer.concat([prefix, json]));
  } else if (protocol !== "rest") {
    response.writeHead(connectStatus ?? codeToHttpStatus(error.code), { "content-type": "application/json" });
    response.end(JSON.stringify(errorToJson(error, undefined)));
  } else {
    sendRestError(res, error);
  }
}
