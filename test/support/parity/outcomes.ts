// What a client sees from one request, in a form two edges can be compared on: for REST the HTTP
// status, the headers that matter and the JSON body; for Connect, gRPC and gRPC-Web the status
// code, the response message or the error's message and details, as the official client decodes
// them. Values that differ by nature (ids, tokens, times, the edge's own address) are replaced by
// placeholders, then the outcome is flattened to paths ("status", "headers.allow", "body.message")
// so a difference can be named precisely.
import { createRegistry, fromBinary, toJson, type DescMessage, type DescMethodServerStreaming, type DescMethodUnary, type JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { file_google_rpc_error_details } from "@junction/gen/google/rpc/error_details_pb";
import { publicServices } from "../junction.js";

/** The protocols a case can speak. */
export type Protocol = "rest" | "connect" | "connect-proto" | "grpc" | "grpc-web";

/** A client's view of one response, before normalization. */
export interface Outcome {
  status: number | string;
  headers: Record<string, string>;
  body: JsonValue;
}

// The REST response headers a client acts on; the rest is transport detail.
const REST_HEADERS = [
  "content-type",
  "allow",
  "retry-after",
  "x-junction-rate-limit",
  "www-authenticate",
  "x-request-id",
  "access-control-allow-origin",
  "access-control-allow-methods",
  "access-control-allow-headers",
  "access-control-expose-headers",
  "access-control-max-age",
];

/** A REST request. */
export interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
  /** Send the body chunked, without a Content-Length. */
  readonly chunked?: boolean;
}

/** Sends `request` to the edge at `baseUrl` with fetch. */
export async function restOutcome(baseUrl: string, request: RestRequest): Promise<Outcome> {
  const headers = { ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    body = typeof request.body === "string" ? request.body : JSON.stringify(request.body);
    headers["content-type"] ??= "application/json";
  }
  const stream = body !== undefined && request.chunked ? chunks(body) : undefined;
  const res = await fetch(`${baseUrl}${request.path}`, { method: request.method, headers, body: stream ?? body, ...(stream ? { duplex: "half" } : {}) } as RequestInit);
  const text = await res.text();
  const picked: Record<string, string> = {};
  for (const name of REST_HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) picked[name] = name === "content-type" ? value.split(";")[0]!.trim() : value;
  }
  let json: JsonValue = text;
  try {
    json = text === "" ? "" : (JSON.parse(text) as JsonValue);
  } catch {
    // not JSON: compared as text
  }
  return { status: res.status, headers: picked, body: json };
}

/** `text` as a stream of 64 KiB pieces: fetch sends a stream chunked, with no Content-Length. */
function chunks(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, (at += 64 * 1024)));
    },
  });
}

/** A transport of `protocol` to the edge at `baseUrl`. */
export function transportFor(protocol: Exclude<Protocol, "rest">, baseUrl: string): Transport {
  switch (protocol) {
    case "connect":
      return createConnectTransport({ baseUrl, httpVersion: "1.1" });
    case "connect-proto":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true });
    case "grpc":
      return createGrpcTransport({ baseUrl });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1" });
  }
}

const detailTypes = createRegistry(file_google_rpc_error_details);

/** An error's details as JSON with their type, decoded the way a client would. */
export function detailsJson(error: ConnectError): JsonValue[] {
  return error.details.map((detail) => {
    if ("desc" in detail) return { "@type": detail.desc.typeName, ...(toJson(detail.desc, detail.value as never) as object) };
    const desc = detailTypes.getMessage(detail.type);
    return desc ? { "@type": detail.type, ...(toJson(desc, fromBinary(desc, detail.value)) as object) } : { "@type": detail.type };
  });
}

/** One RPC call: which method, with what. */
export interface RpcRequest {
  readonly method: DescMethodUnary | DescMethodServerStreaming;
  readonly input: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

function errorOutcome(error: unknown, headers: Record<string, string>): Outcome {
  const e = ConnectError.from(error);
  return { status: Code[e.code] ?? String(e.code), headers, body: { message: e.rawMessage, details: detailsJson(e) } };
}

/** Calls `request.method` over `protocol` through the edge at `baseUrl`, with the generated client. */
export async function rpcOutcome(protocol: Exclude<Protocol, "rest">, baseUrl: string, request: RpcRequest): Promise<Outcome> {
  const { method } = request;
  const client = createClient(method.parent, transportFor(protocol, baseUrl)) as unknown as Record<string, (input: unknown, options: object) => unknown>;
  const headers: Record<string, string> = {};
  // The request id may come with the headers or, in a trailers-only reply, with the trailers.
  const keepRequestId = (h: Headers) => {
    if (h.has("x-request-id")) headers["x-request-id"] = h.get("x-request-id")!;
  };
  const options = { headers: request.headers, timeoutMs: request.timeoutMs ?? 10_000, onHeader: keepRequestId, onTrailer: keepRequestId };
  const output = method.output as DescMessage;
  const messages: JsonValue[] = [];
  try {
    if (method.methodKind === "unary") {
      const response = (await client[method.localName]!(request.input, options)) as never;
      return { status: "OK", headers, body: toJson(output, response) };
    }
    for await (const message of client[method.localName]!(request.input, options) as AsyncIterable<never>) messages.push(toJson(output, message));
    return { status: "OK", headers, body: messages };
  } catch (error) {
    // A stream refused before any message may end in one headers-only reply or in headers then
    // trailers; both are valid, and clients report the headers of only the second (docs/edge.md).
    if (method.methodKind !== "unary" && messages.length === 0) delete headers["x-request-id"];
    return errorOutcome(error, headers);
  }
}

/** The method of a public service by its type and method name, e.g. ("junction.users.v1.UsersService", "GetMe"). */
export function publicMethod(service: string, name: string): DescMethodUnary | DescMethodServerStreaming {
  const method = publicServices.find((s) => s.typeName === service)?.methods.find((m) => m.name === name);
  if (!method || (method.methodKind !== "unary" && method.methodKind !== "server_streaming")) throw new Error(`no public method ${service}/${name}`);
  return method as DescMethodUnary | DescMethodServerStreaming;
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const JWT = /\beyJ[\w-]+\.[\w-]+\.[\w-]+/g;
const TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\b/g;

// JSON with object keys sorted, so key order (Envoy prints its own replies sorted) never counts.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// Opaque values that differ between two worlds without naming anything in them.
const OPAQUE_FIELDS = /"(nextPageToken|refreshToken|sessionId|entriesChecked)":"[^"]+"/g;

/** `outcome` with world-specific and volatile values replaced by placeholders, flattened to paths. */
export function normalize(outcome: Outcome, aliases: ReadonlyMap<string, string>, baseUrl: string): Record<string, string> {
  let text = JSON.stringify(outcome);
  // Longest first: an email contains the world's tag.
  for (const [value, placeholder] of [...aliases].sort(([a], [b]) => b.length - a.length)) text = text.split(value).join(placeholder);
  text = text.split(baseUrl).join("<edge>").replace(JWT, "<jwt>").replace(UUID, "<uuid>").replace(TIME, "<time>");
  text = text.replace(OPAQUE_FIELDS, (_match, field: string) => `"${field}":"<${field}>"`);
  const normalized = JSON.parse(text) as Outcome;
  const flat: Record<string, string> = { status: String(normalized.status) };
  for (const [name, value] of Object.entries(normalized.headers)) {
    flat[`headers.${name}`] = name === "retry-after" && /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 60 ? "<1..60 s>" : value;
  }
  const body = normalized.body;
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    for (const [key, value] of Object.entries(body)) flat[`body.${key}`] = canonical(value);
  } else {
    flat.body = canonical(body);
  }
  return flat;
}

/** The paths whose values differ between two normalized outcomes, sorted. */
export function differingPaths(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((path) => a[path] !== b[path]).sort();
}
