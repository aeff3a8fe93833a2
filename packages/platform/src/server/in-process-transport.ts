// Calls between services placed in one process, without the network: a Connect Transport that
// hands each unary call straight to the serving host's routes (unary-routes.ts), through the
// caller's client interceptors and the server's interceptors, exactly the chains a call over
// gRPC passes. Messages are copied at the boundary (neither side sees the other's objects) and
// errors cross it as they would cross the wire (status, message, details and metadata as
// trailers), so callers cannot tell the difference but by speed. Streams go through Connect's
// own in-memory router transport. A client opts in per upstream with the URL `in-process:`
// (e.g. JUNCTION_ORGS_URL=in-process:); a server in this process hosts its services here
// from the moment it listens until it starts closing.
import { clone, type DescMessage, type DescMethodStreaming, type DescMethodUnary, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createRouterTransport,
  type ConnectRouter,
  type ContextValues,
  type Interceptor,
  type StreamResponse,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { interceptedUnaryCall, NEVER_ABORTED } from "../unary-call.js";
import { HeaderFields, type HeadersInit } from "../header-fields.js";
import type { UnaryRoutes } from "./unary-routes.js";

/** The scheme of an upstream URL that means "in this process". */
export const IN_PROCESS_PROTOCOL = "in-process:";

/** True when `url` names the services hosted in this process rather than an address. */
export function isInProcessUrl(url: string): boolean {
  return url.startsWith(IN_PROCESS_PROTOCOL);
}

/** What a server in this process offers to in-process callers. */
export interface InProcessHost {
  /** Its unary methods behind its interceptors. */
  readonly routes: UnaryRoutes;
  /** Registers every service it serves on a Connect router, and the router's options (its interceptors): for streams. */
  readonly connectRoutes: (router: ConnectRouter) => void;
  readonly routerOptions: { interceptors: Interceptor[]; maxTimeoutMs?: number; shutdownSignal?: AbortSignal };
  /** Counts a call in flight for graceful shutdown; returns what ends it. */
  readonly track: () => () => void;
}

const hosts = new Map<string, InProcessHost[]>();

/** Hosts `services` (full names) for in-process callers; returns what stops hosting them. */
export function hostInProcess(services: Iterable<string>, host: InProcessHost): () => void {
  const names = [...services];
  for (const name of names) hosts.set(name, [...(hosts.get(name) ?? []), host]);
  return () => {
    for (const name of names) {
      const remaining = (hosts.get(name) ?? []).filter((h) => h !== host);
      if (remaining.length > 0) hosts.set(name, remaining);
      else hosts.delete(name);
    }
  };
}

/** The host of `service` in this process; UNAVAILABLE, as a refused connection, when none serves it. */
function hostOf(service: DescService): InProcessHost {
  const host = hosts.get(service.typeName)?.[0];
  if (host) return host;
  const refused = Object.assign(new Error(`${service.typeName} is not served in this process`), { code: "ECONNREFUSED" });
  throw new ConnectError(`${service.typeName} is not served in this process`, Code.Unavailable, undefined, undefined, refused);
}

/** A Transport to whichever server in this process serves the called service, through `interceptors` (client side). */
export function createInProcessTransport(options: { interceptors?: Interceptor[] } = {}): Transport {
  const interceptors = options.interceptors ?? [];
  const streamTransports = new WeakMap<InProcessHost, Transport>();

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const url = `${IN_PROCESS_PROTOCOL}/${method.parent.typeName}/${method.name}`;
      return interceptedUnaryCall(interceptors, { method, url, signal, header: HeaderFields.from(header), input, contextValues }, (req) => deliver(req, url, timeoutMs));
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const host = hostOf(method.parent);
      let transport = streamTransports.get(host);
      if (!transport) {
        transport = createRouterTransport(host.connectRoutes, { router: host.routerOptions, transport: { interceptors } });
        streamTransports.set(host, transport);
      }
      return transport.stream(method, signal, timeoutMs, header, input, contextValues);
    },
  };
}

/** Runs the call on its host: the server's side of the boundary, with the caller's deadline and cancellation. */
function deliver<I extends DescMessage, O extends DescMessage>(req: UnaryRequest<I, O>, url: string, timeoutMs: number | undefined): Promise<UnaryResponse<I, O>> {
  const host = hostOf(req.service);
  const route = host.routes.of(req.method);
  if (!route) return Promise.reject(new ConnectError(`${req.service.typeName}/${req.method.name} is not a unary method served here`, Code.Unimplemented));
  if (req.signal.aborted) return Promise.reject(ConnectError.from(req.signal.reason, Code.Canceled));
  const end = host.track();
  // The timer below cancels the call at its deadline as the route's own would, with the same error.
  const call = route.start({ message: clone(req.method.input, req.message), header: HeaderFields.from(req.header), timeoutMs, url, deadlineCancelledByCaller: true });
  return new Promise<UnaryResponse<I, O>>((resolve, reject) => {
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      req.signal.removeEventListener("abort", onAbort);
      end();
      return true;
    };
    // The caller's own deadline and cancel, as a client over the network would see them.
    const stop = (error: ConnectError) => {
      if (!settle()) return;
      call.cancel(error);
      reject(error);
    };
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop(new ConnectError("the operation timed out", Code.DeadlineExceeded)), timeoutMs);
    const onAbort = () => stop(ConnectError.from(req.signal.reason, Code.Canceled));
    // A caller without a signal gets the shared never-aborted one: nothing to listen to there.
    if (req.signal !== NEVER_ABORTED) req.signal.addEventListener("abort", onAbort);
    call.result.then(
      (result) => {
        if (settle()) resolve({ stream: false, service: req.service, method: req.method, header: result.header, trailer: result.trailer, message: clone(req.method.output, result.message) });
      },
      (error: unknown) => {
        if (settle()) reject(acrossTheWire(error, call.header, call.trailer));
      },
    );
  });
}

/** The error a caller over gRPC would decode: code, message, details and the response's headers and trailers as metadata. */
function acrossTheWire(error: unknown, header: Headers, trailer: Headers): ConnectError {
  const sent = error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal);
  const metadata = new Headers(header);
  trailer.forEach((value, key) => metadata.append(key, value));
  return findTrailerError(setTrailerStatus(metadata, sent)) ?? sent;
}
