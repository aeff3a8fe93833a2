// How calls to an upstream travel. Services call each other with gRPC over HTTP/2 cleartext
// and binary protobuf (unary calls on a lean path, grpc-unary-transport.ts), or `in-process:` for a
// service hosted in the same process; a caller can pick Connect or gRPC-Web, HTTP/1.1 (e.g. through a proxy
// that speaks nothing else), JSON, request compression and a response size limit instead.
import type { Registry } from "@bufbuild/protobuf";
import type { Interceptor, Transport } from "@connectrpc/connect";
import {
  compressionBrotli,
  compressionGzip,
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./message-limits.js";
import { createGrpcUnaryTransport } from "./resilience/grpc-unary-transport.js";
import { createInProcessTransport, isInProcessUrl } from "./server/in-process-transport.js";

/** The wire protocol of an upstream's calls; every field has the default services use. */
export interface WireProtocol {
  /** Default "grpc". */
  protocol?: "grpc" | "connect" | "grpc-web";
  /** Default "2" (cleartext, prior knowledge); gRPC needs HTTP/2. */
  httpVersion?: "2" | "1.1";
  /** Default "proto" (binary protobuf). */
  codec?: "proto" | "json";
  /** Compresses request messages; compressed responses (gzip, br) are accepted either way. Default none. */
  compression?: "gzip" | "br";
  /** Messages smaller than this go uncompressed: compressing them costs more than it saves. Default 1 KiB. */
  compressMinBytes?: number;
  /** Largest response message accepted, after decompression; larger ones fail with RESOURCE_EXHAUSTED. Default 4 MiB. */
  maxMessageBytes?: number;
  /** Connect only: side-effect-free methods (NO_SIDE_EFFECTS) go as cacheable HTTP GETs. Default false. */
  connectGet?: boolean;
  /** Types a google.protobuf.Any may hold, for the JSON codec. */
  registry?: Registry;
}

const COMPRESSIONS = { gzip: compressionGzip, br: compressionBrotli };

/** A transport to one endpoint of an upstream, speaking `wire`, through `interceptors`. */
export function createEndpointTransport(baseUrl: string, wire: WireProtocol, interceptors: Interceptor[]): Transport {
  // `in-process:` reaches the service hosted in this process, through the same interceptors, without the network.
  if (isInProcessUrl(baseUrl)) return createInProcessTransport({ interceptors });
  const protocol = wire.protocol ?? "grpc";
  const httpVersion = wire.httpVersion ?? "2";
  if (protocol === "grpc" && httpVersion !== "2") throw new Error(`gRPC needs HTTP/2; ${baseUrl} was configured with HTTP/${httpVersion}`);
  const options = {
    baseUrl,
    interceptors,
    useBinaryFormat: (wire.codec ?? "proto") === "proto",
    sendCompression: wire.compression ? COMPRESSIONS[wire.compression] : undefined,
    compressMinBytes: wire.compressMinBytes,
    readMaxBytes: wire.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    jsonOptions: wire.registry ? { registry: wire.registry } : undefined,
  };
  if (protocol === "grpc") {
    // The services' own wire (binary, uncompressed) has a lean unary path; anything else is connect-node's.
    const lean = options.useBinaryFormat && !wire.compression;
    return lean ? createGrpcUnaryTransport({ baseUrl, interceptors, readMaxBytes: options.readMaxBytes }) : createGrpcTransport(options);
  }
  const versioned = httpVersion === "1.1" ? { ...options, httpVersion: "1.1" as const } : { ...options, httpVersion: "2" as const };
  return protocol === "connect" ? createConnectTransport({ ...versioned, useHttpGet: wire.connectGet ?? false }) : createGrpcWebTransport(versioned);
}
