// Typed clients for Junction services. An upstream (auth, users, ...) is addressed by
// JUNCTION_<UPSTREAM>_URL (comma-separated for several endpoints, balanced round-robin),
// defaulting to its policy port on localhost. Every call goes through the resilient transport,
// over gRPC unless the caller picks another wire protocol.
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { envBool, envUrlList, loadConfig } from "./config.js";
import { serviceUrls } from "./manifest/addresses.js";
import type { Manifest } from "./manifest/manifest.js";
import { outgoingCall } from "./outgoing-call.js";
import type { CommunicationPolicy } from "./policy.js";
import { createResilientTransport } from "./resilience/resilient-transport.js";
import { contractRegistry } from "./type-registry.js";
import { createEndpointTransport, type WireProtocol } from "./wire-protocol.js";

/** How to reach an upstream. */
export interface UpstreamOptions {
  policy: CommunicationPolicy;
  /** Where upstreams are; without it, their policy ports on loopback. */
  manifest?: Manifest;
  /** Endpoints; default from JUNCTION_<UPSTREAM>_URL, else http://127.0.0.1:<manifest port>. */
  urls?: string[];
  /** Client-side retries; default JUNCTION_CLIENT_RETRIES (true). Off when Envoy retries. */
  retries?: boolean;
  /** Extra interceptors, e.g. service credentials. */
  interceptors?: Interceptor[];
  /** Protocol, HTTP version, codec, compression and size limit; default gRPC over HTTP/2, binary. */
  wire?: WireProtocol;
  env?: NodeJS.ProcessEnv;
}

/** The endpoints of `upstream` from the environment or the policy's default port. */
export function upstreamUrls(upstream: string, policy: CommunicationPolicy, env: NodeJS.ProcessEnv = process.env): string[] {
  const variable = `JUNCTION_${upstream.toUpperCase()}_URL`;
  return loadConfig({ urls: envUrlList(variable, `http://127.0.0.1:${policy.upstream(upstream).port}`) }, env).urls;
}

/** A transport to one upstream, shared by the clients of all services it serves. */
export function createUpstreamTransport(upstream: string, options: UpstreamOptions): Transport {
  const env = options.env ?? process.env;
  const urls = options.urls ?? (options.manifest ? serviceUrls(options.manifest.service(upstream), env) : upstreamUrls(upstream, options.policy, env));
  const retries = options.retries ?? loadConfig({ retries: envBool("JUNCTION_CLIENT_RETRIES", true) }, env).retries;
  const interceptors = [outgoingCall(), ...(options.interceptors ?? [])];
  const endpoints = urls.map((baseUrl) => createEndpointTransport(baseUrl, options.wire ?? {}, interceptors));
  return createResilientTransport({ upstream, endpoints, endpointUrls: urls, policy: options.policy, retries });
}

/** A typed client for `service`, through its upstream's resilient transport. */
export function createServiceClient<T extends DescService>(service: T, options: UpstreamOptions & { transport?: Transport }): Client<T> {
  const wire = { registry: contractRegistry([service]), ...options.wire };
  const transport = options.transport ?? createUpstreamTransport(options.policy.upstreamOf(service), { ...options, wire });
  return createClient(service, transport);
}
