// What the protocol fuzz sends, as bytes: a message encoded for one of the RPC transports (gRPC,
// gRPC-Web, Connect unary with proto or JSON, by POST or GET), then maybe broken the ways a
// hostile or buggy client breaks it: cut short, a length prefix that lies, flipped bytes, the
// compressed flag without an encoding, trailing bytes, or a body that is not the encoding at all.
import { toBinary, toJsonString, type DescMessage, type Message } from "@bufbuild/protobuf";
import fc from "fast-check";

/** The wire forms of a unary call. */
export const TRANSPORTS = ["grpc", "grpc-web", "connect-proto", "connect-json", "connect-get-proto", "connect-get-json"] as const;
/** One of them. */
export type Transport = (typeof TRANSPORTS)[number];

/** A way of breaking a valid request body. */
export type Mutation =
  | { kind: "none" }
  | { kind: "truncate"; at: number }
  | { kind: "flip"; positions: number[]; mask: number }
  | { kind: "wrong-length"; length: number }
  | { kind: "compressed-flag" }
  | { kind: "claimed-encoding"; encoding: string }
  | { kind: "append"; bytes: Uint8Array }
  | { kind: "replace"; bytes: Uint8Array }
  | { kind: "garbage-json"; text: string };

/** Mutations, weighted so about a third of the requests are valid. */
export const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant({ kind: "none" as const }), weight: 6 },
  { arbitrary: fc.nat({ max: 64 }).map((at) => ({ kind: "truncate" as const, at })), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("flip" as const), positions: fc.array(fc.nat({ max: 256 }), { minLength: 1, maxLength: 4 }), mask: fc.integer({ min: 1, max: 255 }) }), weight: 2 },
  { arbitrary: fc.oneof(fc.nat(), fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff)).map((length) => ({ kind: "wrong-length" as const, length })), weight: 2 },
  { arbitrary: fc.constant({ kind: "compressed-flag" as const }), weight: 1 },
  { arbitrary: fc.constantFrom("gzip", "br", "zstd", "x-unknown").map((encoding) => ({ kind: "claimed-encoding" as const, encoding })), weight: 1 },
  { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 32 }).map((bytes) => ({ kind: "append" as const, bytes })), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: "replace" as const, bytes })), weight: 1 },
  { arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("{", "[]", "null", '{"a":', "\"x\"", "{}}", "1e999")).map((text) => ({ kind: "garbage-json" as const, text })), weight: 1 },
);

/** A request ready to send: method, path (and query), headers, body. */
export interface WireRequest {
  readonly transport: Transport;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array;
}

const enveloped = (transport: Transport) => transport === "grpc" || transport === "grpc-web";
const json = (transport: Transport) => transport === "connect-json" || transport === "connect-get-json";

/** A gRPC / gRPC-Web envelope: flags, big-endian length, payload. */
export function envelope(payload: Uint8Array, flags = 0, length = payload.length): Uint8Array {
  const frame = new Uint8Array(5 + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint8(0, flags);
  view.setUint32(1, length >>> 0);
  frame.set(payload, 5);
  return frame;
}

function payloadOf(desc: DescMessage, message: Message, transport: Transport): Uint8Array {
  if (!json(transport)) return toBinary(desc, message);
  try {
    return new TextEncoder().encode(toJsonString(desc, message));
  } catch {
    // A value JSON cannot carry (a field mask path out of shape, say): sent as the JSON it would nearly be.
    return new TextEncoder().encode("{}");
  }
}

function mutate(body: Uint8Array, mutation: Mutation, transport: Transport): { body: Uint8Array; headers: Record<string, string> } {
  switch (mutation.kind) {
    case "none":
      return { body, headers: {} };
    case "truncate":
      return { body: body.slice(0, Math.min(mutation.at, Math.max(body.length - 1, 0))), headers: {} };
    case "flip": {
      const flipped = body.slice();
      for (const position of mutation.positions) if (flipped.length > 0) flipped[position % flipped.length]! ^= mutation.mask;
      return { body: flipped, headers: {} };
    }
    case "wrong-length": {
      if (!enveloped(transport)) return { body: body.slice(0, body.length >> 1), headers: {} };
      const lying = body.slice();
      new DataView(lying.buffer).setUint32(1, mutation.length >>> 0);
      return { body: lying, headers: {} };
    }
    case "compressed-flag": {
      if (!enveloped(transport)) return { body, headers: { "content-encoding": "gzip" } };
      const flagged = body.slice();
      flagged[0] = 1;
      return { body: flagged, headers: {} };
    }
    case "claimed-encoding":
      return { body, headers: enveloped(transport) ? { "grpc-encoding": mutation.encoding } : { "content-encoding": mutation.encoding } };
    case "append": {
      const longer = new Uint8Array(body.length + mutation.bytes.length);
      longer.set(body);
      longer.set(mutation.bytes, body.length);
      return { body: longer, headers: {} };
    }
    case "replace":
      return { body: mutation.bytes, headers: {} };
    case "garbage-json": {
      const text = new TextEncoder().encode(mutation.text);
      return { body: enveloped(transport) ? envelope(text) : text, headers: {} };
    }
  }
}

/** `message` for `path` (/package.Service/Method) in `transport`'s wire form, broken by `mutation`, with `credentials` as headers. */
export function wireRequest(
  transport: Transport,
  path: string,
  desc: DescMessage,
  message: Message,
  mutation: Mutation,
  credentials: Record<string, string>,
): WireRequest {
  const payload = payloadOf(desc, message, transport);
  const { body, headers } = mutate(enveloped(transport) ? envelope(payload) : payload, mutation, transport);
  switch (transport) {
    case "grpc":
      return { transport, method: "POST", path, headers: { "content-type": "application/grpc", te: "trailers", "grpc-timeout": "5S", ...credentials, ...headers }, body };
    case "grpc-web":
      return { transport, method: "POST", path, headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", ...credentials, ...headers }, body };
    case "connect-proto":
    case "connect-json": {
      const contentType = transport === "connect-json" ? "application/json" : "application/proto";
      return { transport, method: "POST", path, headers: { "content-type": contentType, "connect-protocol-version": "1", "connect-timeout-ms": "5000", ...credentials, ...headers }, body };
    }
    case "connect-get-proto":
    case "connect-get-json": {
      const encoding = transport === "connect-get-json" ? "json" : "proto";
      const message = encoding === "json" ? encodeURIComponent(new TextDecoder().decode(body)) : Buffer.from(body).toString("base64url");
      const compression = headers["content-encoding"] ? `&compression=${headers["content-encoding"]}` : "";
      const base64 = encoding === "proto" ? "&base64=1" : "";
      return { transport, method: "GET", path: `${path}?connect=v1&encoding=${encoding}${base64}${compression}&message=${message}`, headers: { ...credentials } };
    }
  }
}
