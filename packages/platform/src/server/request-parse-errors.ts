// A request message that does not decode is the caller's mistake: INVALID_ARGUMENT, as connect-go
// and grpc-go answer it. connect-node answers INTERNAL instead for binary protobuf that does not
// parse ("parse binary: …", in every protocol), for a body that does not decompress under the
// encoding it names (zlib's errors but a bad header: "decompression failed"), and for a Connect
// GET whose base64 `message` does not decode ("internal error"); JSON that does not parse is
// already INVALID_ARGUMENT. Connect raises these before any interceptor runs, so the status is
// corrected here, on the response of each route: the Connect unary error body, the Connect
// end-stream message, the gRPC trailers or the gRPC-Web trailer frame.
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, endStreamFlag, errorToJson } from "@connectrpc/connect/protocol-connect";
import { base64Decode } from "@bufbuild/protobuf/wire";

// A frame flagged compressed without an encoding stays INTERNAL: the Connect conformance suite
// requires it ("unexpected-compressed-message"), as grpc-go answers it.
const PARSE_FAILURE = /^(parse binary: |decompression failed$)/;
const GRPC_WEB_TRAILER_FLAG = 0x80;
const INTERNAL = String(Code.Internal);
const INVALID_ARGUMENT = String(Code.InvalidArgument);

/** Makes every route of `router` answer a request message that does not decode with INVALID_ARGUMENT instead of INTERNAL. */
export function undecodableRequestsAsInvalidArgument(router: ConnectRouter): void {
  router.handlers.forEach((handler, index) => {
    router.handlers[index] = Object.assign(async (req: UniversalServerRequest) => {
      const refused = refusedQueryMessage(req);
      if (refused) return connectUnaryError(refused);
      return corrected(await handler(req));
    }, handler) as UniversalHandler;
  });
}

/** A Connect GET's `message` parameter that claims base64 but is not. */
function refusedQueryMessage(req: UniversalServerRequest): ConnectError | undefined {
  if (req.method !== "GET") return undefined;
  const query = new URL(req.url).searchParams;
  if (query.get("base64") !== "1") return undefined;
  try {
    base64Decode(query.get("message") ?? "");
    return undefined;
  } catch {
    return new ConnectError("the message parameter is not base64", Code.InvalidArgument);
  }
}

function connectUnaryError(error: ConnectError): UniversalServerResponse {
  const body = new TextEncoder().encode(JSON.stringify(errorToJson(error, undefined)));
  const header = new Headers({ "content-type": "application/json", "content-length": String(body.byteLength) });
  return { status: codeToHttpStatus(error.code), header, body: once(body) };
}

async function* once(chunk: Uint8Array): AsyncIterable<Uint8Array> {
  yield chunk;
}

async function corrected(res: UniversalServerResponse): Promise<UniversalServerResponse> {
  const contentType = res.header?.get("content-type") ?? "";
  if (!res.body || res.header?.has("content-encoding")) return res;
  if (res.status === 500 && contentType.startsWith("application/json")) return correctedUnaryError(res, res.body);
  if (contentType.startsWith("application/grpc-web")) return { ...res, body: correctedLastEnvelope(res.body, GRPC_WEB_TRAILER_FLAG, correctedTrailerText) };
  if (contentType.startsWith("application/connect+")) return { ...res, body: correctedLastEnvelope(res.body, endStreamFlag, correctedEndStream) };
  if (contentType.startsWith("application/grpc")) return { ...res, body: correctingTrailers(res, res.body) };
  return res;
}

/** Whether a Connect error JSON is a parse failure reported as INTERNAL. */
const isParseFailure = (error: { code?: unknown; message?: unknown } | undefined) =>
  error?.code === "internal" && typeof error.message === "string" && PARSE_FAILURE.test(error.message);

/** A Connect unary error: its status line comes before its body, so the (one, small) body is read first. */
async function correctedUnaryError(res: UniversalServerResponse, body: AsyncIterable<Uint8Array>): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const error = jsonOrUndefined(bytes) as { code?: unknown; message?: string } | undefined;
  if (!error || !isParseFailure(error)) return { ...res, body: once(bytes) };
  const fixed = Buffer.from(JSON.stringify({ ...error, code: "invalid_argument" }));
  res.header?.set("content-length", String(fixed.byteLength));
  return { ...res, status: codeToHttpStatus(Code.InvalidArgument), body: once(fixed) };
}

/** Passes `body` through, rewriting the payload of an envelope with `flag` (the stream's last) with `rewrite`. */
async function* correctedLastEnvelope(body: AsyncIterable<Uint8Array>, flag: number, rewrite: (payload: Buffer) => Buffer | undefined): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    const payload = chunk.byteLength >= 5 && (chunk[0]! & flag) === flag ? Buffer.from(chunk.subarray(5)) : undefined;
    const fixed = payload && payload.byteLength === Buffer.from(chunk).readUInt32BE(1) ? rewrite(payload) : undefined;
    if (!fixed) {
      yield chunk;
      continue;
    }
    const prefix = Buffer.alloc(5);
    prefix[0] = chunk[0]!;
    prefix.writeUInt32BE(fixed.byteLength, 1);
    yield Buffer.concat([prefix, fixed]);
  }
}

function correctedEndStream(payload: Buffer): Buffer | undefined {
  const end = jsonOrUndefined(payload) as { error?: { code?: unknown; message?: unknown } } | undefined;
  if (!end || !isParseFailure(end.error)) return undefined;
  return Buffer.from(JSON.stringify({ ...end, error: { ...end.error, code: "invalid_argument" } }));
}

function correctedTrailerText(payload: Buffer): Buffer | undefined {
  const text = payload.toString("latin1");
  const status = /^grpc-status: ?(\d+)\r?$/im.exec(text)?.[1];
  const message = percentDecoded(/^grpc-message: ?(.*?)\r?$/im.exec(text)?.[1] ?? "");
  if (status !== INTERNAL || !PARSE_FAILURE.test(message)) return undefined;
  return Buffer.from(text.replace(/^(grpc-status: ?)\d+/im, `$1${INVALID_ARGUMENT}`), "latin1");
}

/** gRPC: the status is in the trailers, set by the time the body ends (or before it starts). */
async function* correctingTrailers(res: UniversalServerResponse, body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* body;
  const trailer = res.trailer;
  if (trailer?.get("grpc-status") === INTERNAL && PARSE_FAILURE.test(percentDecoded(trailer.get("grpc-message") ?? ""))) trailer.set("grpc-status", INVALID_ARGUMENT);
}

function jsonOrUndefined(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
