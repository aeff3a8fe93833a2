// The unary methods a server hosts, each callable without a transport: its implementation behind
// the server's interceptor chain (Connect's Interceptor type, the same chain connect-node runs),
// with a handler context built per call. The lean gRPC path (grpc-unary-path.ts) and in-process
// calls (in-process-transport.ts) both run calls through here, so they behave as connect-node does.
import { create, type DescMessage, type DescMethod, type DescMethodUnary, type DescService, type MessageShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  createServiceImplSpec,
  type ContextValues,
  type HandlerContext,
  type Interceptor,
  type ServiceImpl,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { HeaderFields } from "../header-fields.js";

/** The route of a unary call: everything but the message and the caller's headers. */
export interface UnaryCallInit<I extends DescMessage = DescMessage> {
  /** The request message (already parsed and owned by the call). */
  readonly message: MessageShape<I>;
  /** Request headers; the call may read but must not keep them beyond itself. */
  readonly header: Headers;
  /** Milliseconds the caller allows, already bounded by the server's maximum. */
  readonly timeoutMs?: number;
  /** Whoever started the call cancels it at its deadline itself (in-process calls): no timer of the route's own. */
  readonly deadlineCancelledByCaller?: boolean;
  /** The call's URL as connect-node would give it (`http://host/pkg.Service/Method`). */
  readonly url: string;
  /** Context values of the call; a fresh set by default. */
  readonly contextValues?: ContextValues;
}

/** What a unary call answered: response headers, trailers (grpc-status not included) and the message. */
export interface UnaryCallResult<O extends DescMessage = DescMessage> {
  readonly header: Headers;
  readonly trailer: Headers;
  readonly message: MessageShape<O>;
}

/** One running unary call: its result, and how to cancel it (the caller went away). */
export interface UnaryCall<O extends DescMessage = DescMessage> {
  readonly result: Promise<UnaryCallResult<O>>;
  /** The handler context's response headers and trailers: what an error answer carries besides its status. */
  readonly header: Headers;
  readonly trailer: Headers;
  /** Aborts the handler's signal with `reason` (a client cancel, a server shutdown). */
  cancel(reason: ConnectError): void;
}

type AnyUnaryImpl = (request: unknown, context: HandlerContext) => unknown;

/** A hosted unary method: its descriptor and how to call it. */
export class UnaryRoute<I extends DescMessage = DescMessage, O extends DescMessage = DescMessage> {
  /** The gRPC path, e.g. "/junction.auth.v1.AuthService/GetJwks". */
  readonly path: string;
  readonly service: DescService;

  constructor(
    readonly method: DescMethodUnary<I, O>,
    private readonly impl: AnyUnaryImpl,
    private readonly routes: UnaryRoutes,
  ) {
    this.service = method.parent;
    this.path = `/${method.parent.typeName}/${method.name}`;
  }

  /** Starts the call: interceptors, then the implementation. The result rejects with a ConnectError or whatever an interceptor threw. */
  start(init: UnaryCallInit<I>): UnaryCall<O> {
    const cancellation = new CallCancellation();
    const deadline = init.timeoutMs === undefined ? undefined : Date.now() + init.timeoutMs;
    const timer = init.timeoutMs === undefined || init.deadlineCancelledByCaller ? undefined : setTimeout(abortOnDeadline, init.timeoutMs, cancellation);
    const live = this.routes.live;
    live.add(cancellation);
    const responseHeader = new HeaderFields();
    const responseTrailer = new HeaderFields();
    const impl = this.impl;
    const output = this.method.output;
    const innermost = async (req: UnaryRequest<I, O>): Promise<UnaryResponse<I, O>> => {
      const context = new UnaryHandlerContext(this.method, req, init.url, deadline, responseHeader, responseTrailer, cancellation);
      const message = create(output, (await impl(req.message, context)) as never) as MessageShape<O>;
      return { stream: false, service: this.service, method: this.method, header: responseHeader, trailer: responseTrailer, message };
    };
    const chain = this.routes.chain(innermost as never) as (req: UnaryRequest<I, O>) => Promise<UnaryResponse<I, O>>;
    const request: UnaryRequest<I, O> = {
      stream: false,
      service: this.service,
      method: this.method,
      requestMethod: "POST",
      url: init.url,
      // An own getter, though slower to build than a class's: interceptors may spread the request ({ ...req }), which copies own properties only.
      get signal() {
        return cancellation.signal;
      },
      header: init.header,
      contextValues: init.contextValues ?? createContextValues(),
      message: init.message,
    };
    const finished = () => {
      clearTimeout(timer);
      live.delete(cancellation);
      // As connect-node does once a call is over: anything still tied to its signal stops.
      cancellation.abort(CALL_COMPLETED);
    };
    let result: Promise<UnaryCallResult<O>>;
    try {
      result = chain(request).then(
        (res) => {
          // An answer after the deadline or a cancel is not one: the caller has stopped waiting.
          const stopped = cancellation.reason;
          finished();
          if (stopped !== undefined) throw ConnectError.from(stopped, Code.Canceled);
          return res;
        },
        (error: unknown) => {
          finished();
          throw error;
        },
      );
    } catch (error) {
      finished();
      result = Promise.reject(error);
    }
    return { result, header: responseHeader, trailer: responseTrailer, cancel: (reason) => cancellation.abort(reason) };
  }
}

/** What a handler sees of its call (connect's HandlerContext), made once per call without copying. */
class UnaryHandlerContext implements HandlerContext {
  readonly service: DescService;
  readonly requestHeader: Headers;
  readonly values: ContextValues;
  readonly requestMethod = "POST";
  readonly protocolName = "grpc";
  readonly timeoutMs: () => number | undefined;

  constructor(
    readonly method: DescMethod,
    req: UnaryRequest,
    readonly url: string,
    deadline: number | undefined,
    readonly responseHeader: Headers,
    readonly responseTrailer: Headers,
    private readonly cancellation: CallCancellation,
  ) {
    // What the interceptors passed on, as connect merges it into the handler's context.
    this.service = req.service;
    this.requestHeader = req.header;
    this.values = req.contextValues;
    this.timeoutMs = deadline === undefined ? noDeadline : () => deadline - Date.now();
  }

  get signal(): AbortSignal {
    return this.cancellation.signal;
  }

  /** Aborts the call's signal, as connect's context allows. */
  abort(reason?: unknown): void {
    this.cancellation.abort(reason);
  }
}

const noDeadline = () => undefined;

/**
 * A call's cancellation, with its AbortSignal made only when something asks for it: creating one
 * is about 3% of a served call's CPU, and most calls end without anyone listening. A signal asked
 * for after the call was aborted is born aborted, with the same reason.
 */
class CallCancellation {
  #controller: AbortController | undefined;
  #reason: unknown;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Why the call was aborted; undefined while it runs. */
  get reason(): unknown {
    return this.#reason;
  }

  /** Aborts the call once, with AbortController's default reason when none is given; later aborts are ignored, as AbortController does. */
  abort(reason?: unknown): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason ?? new DOMException("This operation was aborted", "AbortError");
    this.#controller?.abort(this.#reason);
  }
}

function abortOnDeadline(cancellation: CallCancellation): void {
  cancellation.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
}

/** Why a call's signal is aborted after it completed normally (not a DOMException: no stack to capture). */
const CALL_COMPLETED = new ConnectError("the call completed", Code.Canceled);

/** Options shared by every route of a server. */
export interface UnaryRoutesOptions {
  /** The server's interceptors, outermost first: the same array connect-node is given. */
  readonly interceptors: readonly Interceptor[];
  /** Aborts every call in flight (forced shutdown). */
  readonly shutdownSignal?: AbortSignal;
}

/** Every unary method of a set of services, by gRPC path. */
export class UnaryRoutes {
  /** The calls in flight, aborted together at a forced shutdown. */
  readonly live = new Set<CallCancellation>();
  readonly #byPath = new Map<string, UnaryRoute>();
  readonly #interceptors: readonly Interceptor[];

  constructor(services: Iterable<{ service: DescService; impl: Partial<ServiceImpl<DescService>> }>, options: UnaryRoutesOptions) {
    this.#interceptors = options.interceptors;
    for (const { service, impl } of services) {
      // The same spec connect's router builds: bound methods, UNIMPLEMENTED for missing ones.
      const spec = createServiceImplSpec(service, impl);
      for (const method of service.methods) {
        if (method.methodKind !== "unary") continue;
        const route = new UnaryRoute(method as DescMethodUnary, spec.methods[method.localName]!.impl as AnyUnaryImpl, this);
        this.#byPath.set(route.path, route);
      }
    }
    options.shutdownSignal?.addEventListener("abort", () => {
      const reason = ConnectError.from(options.shutdownSignal!.reason, Code.Unavailable);
      for (const call of this.live) call.abort(reason);
    });
  }

  /** The route of `path` ("/pkg.Service/Method"), if it is a unary method served here. */
  get(path: string): UnaryRoute | undefined {
    return this.#byPath.get(path);
  }

  /** The route of `method`, if served here. */
  of<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>): UnaryRoute<I, O> | undefined {
    return this.#byPath.get(`/${method.parent.typeName}/${method.name}`) as UnaryRoute<I, O> | undefined;
  }

  /** Names of the services with at least one unary route. */
  get serviceNames(): Set<string> {
    return new Set([...this.#byPath.values()].map((route) => route.service.typeName));
  }

  /** `innermost` wrapped by every interceptor, built per call as connect does. */
  chain<T>(innermost: T): T {
    let next = innermost;
    for (let i = this.#interceptors.length - 1; i >= 0; i--) next = this.#interceptors[i]!(next as never) as T;
    return next;
  }
}
