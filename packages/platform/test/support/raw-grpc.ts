// A gRPC call from raw bytes, for tests that send what no generated client would.
import http2 from "node:http2";

/** Posts `body` as a gRPC request to `path` at `url`; resolves with the grpc-status it got, from headers (Trailers-Only) or trailers. */
export async function grpcStatus(url: string, path: string, body: Uint8Array, headers: http2.OutgoingHttpHeaders = {}): Promise<string | undefined> {
  const session = http2.connect(url);
  try {
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    stream.end(body);
    let status: string | undefined;
    stream.on("response", (head) => (status ??= head["grpc-status"] as string | undefined));
    stream.on("trailers", (trailers) => (status ??= trailers["grpc-status"] as string | undefined));
    stream.resume();
    await new Promise((resolve) => stream.on("close", resolve));
    return status;
  } finally {
    session.close();
  }
}
