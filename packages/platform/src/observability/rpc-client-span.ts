// Attributes OpenTelemetry's RPC conventions ask of a client span, besides the RPC's name: where
// the call goes (`server.address`, `server.port`: the host the client connects to, which is
// Envoy's internal listener when calls go through it) and its outcome, 0 for OK.
import type { Attributes, Span } from "@opentelemetry/api";

const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };

/** `server.address` and `server.port` of a call to `url` (none for a URL that does not parse). */
export function serverAttributes(url: string): Attributes {
  if (!URL.canParse(url)) return {};
  const { hostname, port, protocol } = new URL(url);
  const number = port ? Number(port) : DEFAULT_PORTS[protocol];
  // An IPv6 literal keeps no brackets in server.address.
  return { "server.address": hostname.replace(/^\[(.*)\]$/, "$1"), ...(number === undefined ? {} : { "server.port": number }) };
}

/** Sets `server.address` and `server.port` on a client span that records (nothing to parse otherwise). */
export function recordServer(span: Span, url: string): void {
  if (span.isRecording()) span.setAttributes(serverAttributes(url));
}

/** Marks a client span's call answered OK (`rpc.grpc.status_code` 0). */
export function answeredOk(span: Span): void {
  span.setAttribute("rpc.grpc.status_code", 0);
}
