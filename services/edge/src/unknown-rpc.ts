// A call to an RPC the edge does not serve (an internal service, a method nobody has), answered
// in the caller's own protocol, as Envoy answers it: UNIMPLEMENTED in a trailers-only reply for
// gRPC and gRPC-Web, a Connect error in a 404 for Connect. Anything else is a REST request.
import type http from "node:http";
import { errorToJson } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { edgeReplies } from "@junction/platform/edge-replies";
import type { HttpHandler } from "@junction/platform/server/service-server";

type Request = Parameters<HttpHandler>[0];
type Response = Parameters<HttpHandler>[1];

/** True when `req` is a gRPC, gRPC-Web or Connect call rather than a REST request. */
export function isRpcCall(req: Request): boolean {
  const contentType = String(req.headers["content-type"] ?? "");
  return contentType.startsWith("application/grpc") || contentType.startsWith("application/connect+") || req.headers["connect-protocol-version"] === "1";
}

/** Answers an RPC call (see isRpcCall) the edge has no route for. */
export function refuseUnknownRpc(req: Request, res: Response): void {
  const error = edgeReplies.unknownRpc();
  const contentType = String(req.headers["content-type"] ?? "");
  const response = res as http.ServerResponse;
  if (contentType.startsWith("application/grpc")) {
    response.writeHead(200, { ...Object.fromEntries(setTrailerStatus(new Headers(), error).entries()), "content-type": contentType });
    response.end();
    return;
  }
  response.writeHead(404, { "content-type": "application/json" });
  response.end(JSON.stringify(errorToJson(error, undefined)));
}
