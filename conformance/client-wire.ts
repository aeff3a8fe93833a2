// The platform client a test case asks for: the case's protocol, HTTP version, codec,
// compression and size limit as the runtime's WireProtocol, one client per distinct setting.
import type { Client } from "@connectrpc/connect";
import { type CommunicationPolicy, createServiceClient, createServiceTokenIssuer, serviceSecretFromEnv, serviceTokenInterceptor, type WireProtocol } from "@junction/platform";
import type { ClientCompatRequest } from "../var/conformance/gen/connectrpc/conformance/v1/client_compat_pb.js";
import { Codec, Compression, HTTPVersion, Protocol } from "../var/conformance/gen/connectrpc/conformance/v1/config_pb.js";
import { ConformanceService } from "../var/conformance/gen/connectrpc/conformance/v1/service_pb.js";
import { onlyCaseTimeouts } from "./case-timeout.js";

/** A client of the reference server's ConformanceService. */
export type ConformanceClient = Client<typeof ConformanceService>;

const PROTOCOLS = { [Protocol.CONNECT]: "connect", [Protocol.GRPC]: "grpc", [Protocol.GRPC_WEB]: "grpc-web" } as const;
const COMPRESSIONS = { [Compression.GZIP]: "gzip", [Compression.BR]: "br" } as const;

/** The case's wire settings; throws for what conformance/client-config.yaml does not claim. */
export function wireOf(req: ClientCompatRequest): WireProtocol {
  const protocol = PROTOCOLS[req.protocol as keyof typeof PROTOCOLS];
  if (!protocol) throw new Error(`unsupported protocol ${Protocol[req.protocol]}`);
  if (req.serverTlsCert.length > 0) throw new Error("TLS is not supported");
  if (req.httpVersion !== HTTPVersion.HTTP_VERSION_1 && req.httpVersion !== HTTPVersion.HTTP_VERSION_2) {
    throw new Error(`unsupported HTTP version ${HTTPVersion[req.httpVersion]}`);
  }
  let compression: WireProtocol["compression"];
  if (req.compression > Compression.IDENTITY) {
    compression = COMPRESSIONS[req.compression as keyof typeof COMPRESSIONS];
    if (!compression) throw new Error(`unsupported compression ${Compression[req.compression]}`);
  }
  return {
    protocol,
    httpVersion: req.httpVersion === HTTPVersion.HTTP_VERSION_1 ? "1.1" : "2",
    codec: req.codec === Codec.JSON ? "json" : "proto",
    compression,
    // The reference server checks that every request of a compressed case is compressed, even
    // an empty one; Connect's unary path compresses only above this, so -1.
    compressMinBytes: -1,
    maxMessageBytes: req.messageReceiveLimit > 0 ? req.messageReceiveLimit : undefined,
    connectGet: req.useGetHttpMethod,
  };
}

/** Builds clients the way a Junction service does (ServiceHost.client), with retries off, and reuses them per setting. */
export function conformanceClients(policy: CommunicationPolicy): (req: ClientCompatRequest) => ConformanceClient {
  // The development secret's warning is noise here: the reference servers ignore the token.
  const credentials = serviceTokenInterceptor(createServiceTokenIssuer("conformance", serviceSecretFromEnv(process.env, { warn: () => {} })));
  const clients = new Map<string, ConformanceClient>();
  return (req) => {
    const wire = wireOf(req);
    const url = `http://${req.host.includes(":") ? `[${req.host}]` : req.host}:${req.port}`;
    const key = JSON.stringify([url, wire]);
    let client = clients.get(key);
    if (!client) {
      // Retries off: the suite counts what reaches the server, and a retried error case would differ.
      client = createServiceClient(ConformanceService, { policy, urls: [url], retries: false, wire, interceptors: [credentials, onlyCaseTimeouts] });
      clients.set(key, client);
    }
    return client;
  };
}
