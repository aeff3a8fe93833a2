// gRPC errors that come before any response message are sent as a Trailers-Only response: the
// status in the one HEADERS frame that ends the stream, as the gRPC protocol allows. connect-node
// would send headers, then the status in trailers; a proxy in front (Envoy's retry_on for gRPC
// codes, its outlier detection) reads a status only from the headers, so it could neither retry
// an UNAVAILABLE nor count it as a failure. Only unary calls: a stream's response headers stay
// headers (what a gRPC client reads as its headers), and a proxy never retries a stream.
import type http2 from "node:http2";
import type { HttpHandler } from "./service-server.js";
import { stopUnreadRequest } from "./unread-request.js";

type Headers = http2.OutgoingHttpHeaders;

/** Makes `res`, a unary call's, send a gRPC (HTTP/2, not gRPC-Web) response that has no message as Trailers-Only. */
export function trailersOnlyWithoutMessages(req: Parameters<HttpHandler>[0], res: Parameters<HttpHandler>[1]): void {
  const contentType = String(req.headers["content-type"] ?? "");
  if (req.httpVersionMajor !== 2 || !contentType.startsWith("application/grpc") || contentType.startsWith("application/grpc-web")) return;
  const response = res as http2.Http2ServerResponse;
  const writeHead = response.writeHead.bind(response) as unknown as (status: number, headers?: Headers) => http2.Http2ServerResponse;
  const write = response.write.bind(response);
  const end = response.end.bind(response);
  const addTrailers = response.addTrailers.bind(response);
  // The head is held back until a message is written or the response ends.
  let head: { status: number; headers: Headers } | undefined;
  const sendHead = () => {
    if (head) writeHead(head.status, head.headers);
    head = undefined;
  };
  response.writeHead = ((status: number, headers?: Headers) => {
    head = { status, headers: { ...headers } };
    return response;
  }) as unknown as typeof response.writeHead;
  response.write = ((...args: Parameters<typeof write>) => {
    sendHead();
    return write(...args);
  }) as typeof response.write;
  response.addTrailers = (trailers) => {
    // No message was written: the status joins the headers.
    if (head) head.headers = { ...head.headers, ...trailers };
    else addTrailers(trailers);
  };
  response.end = ((...args: Parameters<typeof end>) => {
    const pending = head;
    if (pending && typeof args[0] !== "string" && !(args[0] instanceof Uint8Array)) {
      // The compatibility API always ends a stream with a DATA frame after its headers; only the
      // stream itself can end with the headers.
      head = undefined;
      endWithHeaders(req, response, pending.status, pending.headers);
    }
    sendHead();
    return end(...args);
  }) as typeof response.end;
}

/** Answers a gRPC or gRPC-Web call with `headers` alone (the status among them), in one HEADERS frame that ends the stream on HTTP/2. */
export function respondTrailersOnly(req: Parameters<HttpHandler>[0], res: Parameters<HttpHandler>[1], headers: Headers): void {
  if (req.httpVersionMajor === 2) return endWithHeaders(req, res as http2.Http2ServerResponse, 200, headers);
  (res as unknown as { writeHead(status: number, headers: Headers): void }).writeHead(200, headers);
  res.end();
}

/** Ends an HTTP/2 stream with its one HEADERS frame, then stops a request nobody will read. */
function endWithHeaders(req: Parameters<HttpHandler>[0], response: http2.Http2ServerResponse, status: number, headers: Headers): void {
  response.stream.respond({ ...headers, ":status": status }, { endStream: true });
  setImmediate(() => stopUnreadRequest(req as http2.Http2ServerRequest));
}
