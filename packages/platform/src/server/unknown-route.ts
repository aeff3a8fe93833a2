// What a request no route matches gets. An RPC client (gRPC, gRPC-Web, Connect) gets
// UNIMPLEMENTED in its own protocol, as grpc-go and connect-go answer, so it reports "no such
// method" instead of failing to parse a body it did not ask for; anything else gets the
// platform's REST-shaped 404 (google.rpc.Status JSON, as the edge answers).
import type http from "node:http";
import type http2 from "node:http2";
import { Code } from "@connectrpc/connect";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/** Answers a request that matched no RPC and no plain route. */
export function answerUnknownRoute(req: Request, res: Response): void {
  const contentType = String(req.headers["content-type"] ?? "");
  const path = (req.url ?? "/").split("?")[0]!;
  const message = `unknown RPC ${path}`;
  const reply = res as http.ServerResponse;
  if (/^application\/grpc(-web)?(\+|;|$)/.test(contentType)) {
    // Trailers-only: the status travels in the one header block (gRPC-Web reads it there too).
    reply.writeHead(200, { "content-type": contentType, "grpc-status": String(Code.Unimplemented), "grpc-message": encodeURIComponent(message) });
    reply.end();
  } else if (/^application\/(connect\+)?(proto|json)/.test(contentType) || req.headers["connect-protocol-version"] !== undefined) {
    reply.writeHead(404, { "content-type": "application/json" });
    reply.end(JSON.stringify({ code: "unimplemented", message }));
  } else {
    reply.writeHead(404, { "content-type": "application/json" });
    reply.end(JSON.stringify({ code: Code.NotFound, message: "no such route" }));
  }
}
