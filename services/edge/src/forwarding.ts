// Connect, gRPC and gRPC-Web calls from outside clients, passed through to the service that
// owns them: the edge serves every public service and forwards each call over gRPC, so a
// browser speaking gRPC-Web reaches a service that only needs to speak gRPC.
import type { DescMethod, DescMethodStreaming, DescMethodUnary, DescService } from "@bufbuild/protobuf";
import { ConnectError, type HandlerContext, type ServiceImpl, type Transport } from "@connectrpc/connect";
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, REQUEST_ID_HEADER } from "@junction/platform";

/**
 * Headers of the inbound call that go upstream. The caller's credentials and request id are set
 * here too, not left to the call context: a stream's upstream call starts when the stream is
 * first read, after the inbound call's context has been left.
 */
function upstreamHeaders(ctx: HandlerContext): Headers {
  const headers = new Headers();
  for (const name of ["x-forwarded-for", "authorization", REQUEST_ID_HEADER, IDEMPOTENCY_KEY_HEADER]) {
    const value = ctx.requestHeader.get(name);
    if (value) headers.set(name, value);
  }
  return headers;
}

/**
 * The upstream's error as the caller may see it: code, message and details. The upstream
 * response's own headers (its content-type, grpc-* and encoding headers) describe the hop to the
 * service, not the caller's response, and would otherwise be copied onto it.
 */
export function asCallerError(error: unknown): unknown {
  if (!(error instanceof ConnectError)) return error;
  const own = new ConnectError(error.rawMessage, error.code, undefined, undefined, error.cause);
  own.details.push(...error.details);
  return own;
}

async function* once<T>(value: T): AsyncIterable<T> {
  yield value;
}

function forwardMethod(method: DescMethod, transport: Transport) {
  if (method.methodKind === "unary") {
    const unary = method as DescMethodUnary;
    return async (req: never, ctx: HandlerContext) => {
      try {
        const response = await transport.unary(unary, ctx.signal, ctx.timeoutMs(), upstreamHeaders(ctx), req);
        const replayed = response.header.get(IDEMPOTENT_REPLAYED_HEADER);
        if (replayed) ctx.responseHeader.set(IDEMPOTENT_REPLAYED_HEADER, replayed);
        return response.message;
      } catch (error) {
        throw asCallerError(error);
      }
    };
  }
  if (method.methodKind === "server_streaming") {
    const streaming = method as DescMethodStreaming;
    return async function* (req: never, ctx: HandlerContext) {
      try {
        // The caller's deadline too, for the same reason.
        const res = await transport.stream(streaming, ctx.signal, ctx.timeoutMs(), upstreamHeaders(ctx), once(req));
        yield* res.message;
      } catch (error) {
        throw asCallerError(error);
      }
    };
  }
  throw new Error(`${method.parent.typeName}/${method.name}: only unary and server-streaming RPCs pass the edge`);
}

/** An implementation of `service` that forwards every method through `transport`. */
export function forwardingService(service: DescService, transport: Transport): Partial<ServiceImpl<DescService>> {
  return Object.fromEntries(service.methods.map((method) => [method.localName, forwardMethod(method, transport)])) as unknown as Partial<
    ServiceImpl<DescService>
  >;
}
