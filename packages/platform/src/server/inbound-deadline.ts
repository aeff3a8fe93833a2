// The deadline a caller set, read from the protocol's timeout header: gRPC and gRPC-Web send
// `grpc-timeout` (e.g. "250m"), Connect sends `connect-timeout-ms`.

const GRPC_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** The caller's timeout in milliseconds, or undefined when it set none. */
export function inboundTimeoutMs(header: Headers): number | undefined {
  const grpc = header.get("grpc-timeout");
  if (grpc) {
    const match = /^(\d{1,8})([HMSmun])$/.exec(grpc);
    if (match) return Number(match[1]) * GRPC_UNIT_MS[match[2]!]!;
  }
  const connect = header.get("connect-timeout-ms");
  if (connect && /^\d{1,10}$/.test(connect)) return Number(connect);
  return undefined;
}
