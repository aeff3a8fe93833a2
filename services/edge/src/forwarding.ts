// Connect, gRPC and gRPC-Web calls from outside clients, passed through to the service that
// owns them: the edge serves every public service and forwards each call over gRPC, so a
// browser speaking gRPC-Web reaches a service that only needs to speak gRPC.
import type { DescMethod, DescMethodStreaming, DescMethodUnary, DescService } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl, Transport } from "@connectrpc/connect";

/** Headers of the inbound call that go upstream (identity and tracing come from the call context). */
function upstreamHeaders(ctx: HandlerContext): Headers {
  const headers = new Headers();
  const forwardedFor = ctx.requestHeader.get("x-forwarded-for");
  if (forwardedFor) headers.set("x-forwarded-for", forwardedFor);
  return headers;
}

async function* once<T>(value: T): AsyncIterable<T> {
  yield value;
}

function forwardMethod(method: DescMethod, transport: Transport) {
  if (method.methodKind === "unary") {
    const unary = method as DescMethodUnary;
    return async (req: never, ctx: HandlerContext) => (await transport.unary(unary, ctx.signal, undefined, upstreamHeaders(ctx), req)).message;
  }
  if (method.methodKind === "server_streaming") {
    const streaming = method as DescMethodStreaming;
    return async function* (req: never, ctx: HandlerContext) {
      const res = await transport.stream(streaming, ctx.signal, undefined, upstreamHeaders(ctx), once(req));
      yield* res.message;
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
