// A response can be complete before its request is: an over-limit message, an error raised
// before the client finished sending. Node leaves the rest of such a request unread, which
// stalls the client (HTTP/2) or the connection's next request (HTTP/1.1); this releases it.
import http2 from "node:http2";
import type http from "node:http";

/** Once the response to `req` is complete, stops or drains whatever of the request is still unread. */
export function releaseUnreadRequest(req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void {
  if ("stream" in req) resetAfterResponse(req);
  else drainAfterResponse(req, res as http.ServerResponse);
}

/**
 * HTTP/2: RST_STREAM(NO_ERROR) after the response, as RFC 9113 §8.1 allows, tells the client
 * to stop sending. Without it a client still streaming blocks on flow control, and the call
 * never ends for either side.
 */
function resetAfterResponse(req: http2.Http2ServerRequest) {
  // Node's compatibility layer sends the trailers from its own, earlier 'wantTrailers' listener,
  // in a setImmediate; resetting in the next one puts the RST_STREAM behind them.
  req.stream.once("wantTrailers", () => setImmediate(() => stopUnreadRequest(req)));
}

/** HTTP/2: ends a stream whose response was sent but whose request is still arriving. */
export function stopUnreadRequest(req: http2.Http2ServerRequest): void {
  if (req.complete || req.stream.closed) return;
  req.stream.close(http2.constants.NGHTTP2_NO_ERROR);
  // Node ends the stream (its 'close', the call's end for the in-flight count) only once
  // what was already received is read; the handler never will, so drop it.
  req.stream.destroy();
}

/**
 * HTTP/1.1: a keep-alive connection parses its next request only after the rest of this one's
 * body. When a handler stops reading early, Node detaches the request from its socket, which
 * then stops reading for good: the next request waits until the idle timeout resets the
 * connection. So drop the rest of the body, as Node does itself for a request nobody read
 * (`_dump`), and let the socket read on.
 */
function drainAfterResponse(req: http.IncomingMessage, res: http.ServerResponse) {
  const socket = req.socket;
  res.once("finish", () => {
    if (req.complete) return;
    (req as http.IncomingMessage & { _dump?: () => void })._dump?.();
    socket.resume();
  });
}
