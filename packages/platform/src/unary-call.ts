// What the lean unary paths share: the gRPC envelope of one message and a client call run
// through Connect interceptors (headers are header-fields.ts). The
// server path (server/grpc-unary-path.ts), the client transport
// (resilience/grpc-unary-transport.ts) and in-process calls (server/in-process-transport.ts)
// use them, so the three frame, read and intercept alike.
import { create, type DescMessage, type DescMethodUnary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type ContextValues, type Interceptor, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";

/** Bytes before a gRPC message: the flags byte and the 32-bit length. */
export const ENVELOPE_HEADER_BYTES = 5;
/** The flag bit of an envelope whose message is compressed. */
export const COMPRESSED_FLAG = 0b1;

/**
 * The bytes of one enveloped message as they arrive on a stream, refused as soon as its length
 * prefix, or what arrived, passes `readMaxBytes`: the lean paths' read limit on either side.
 */
export class EnvelopeBytes {
  readonly #chunks: Buffer[] = [];
  #received = 0;
  #declared: number | undefined;
  #tooLarge = false;

  constructor(private readonly readMaxBytes: number) {}

  /** Adds a chunk; false once the message is known to be too large (what arrived is dropped, later chunks ignored). */
  add(chunk: Buffer): boolean {
    if (this.#tooLarge) return false;
    const chunks = this.#chunks;
    chunks.push(chunk);
    this.#received += chunk.length;
    if (this.#declared === undefined && this.#received >= ENVELOPE_HEADER_BYTES) this.#declared = (chunks.length === 1 ? chunk : Buffer.concat(chunks)).readUInt32BE(1);
    // The length prefix is enough to refuse; reading on would only hold more memory.
    if ((this.#declared ?? 0) > this.readMaxBytes || this.#received > this.readMaxBytes + ENVELOPE_HEADER_BYTES) {
      this.#tooLarge = true;
      chunks.length = 0;
      return false;
    }
    return true;
  }

  /** True once a chunk was refused. */
  get tooLarge(): boolean {
    return this.#tooLarge;
  }

  /** True while nothing arrived. */
  get empty(): boolean {
    return this.#received === 0;
  }

  /** Everything that arrived, as one buffer. */
  bytes(): Buffer {
    const chunks = this.#chunks;
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** The error of a message over the limit, as connect-node words it. */
  tooLargeError(): ConnectError {
    return new ConnectError(`message size is larger than configured readMaxBytes ${this.readMaxBytes}`, Code.ResourceExhausted);
  }
}

/** A signal for calls nobody can cancel; compared by identity to skip listening to it. */
export const NEVER_ABORTED = new AbortController().signal;

/** The gRPC envelope of one uncompressed message. */
export function envelope(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(ENVELOPE_HEADER_BYTES + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, ENVELOPE_HEADER_BYTES);
  return framed;
}

/** One client call as a Transport's `unary` receives it, with where it goes. */
export interface ClientUnaryCall<I extends DescMessage> {
  readonly method: DescMethodUnary<I, DescMessage>;
  readonly url: string;
  readonly signal: AbortSignal | undefined;
  readonly header: Headers;
  readonly input: MessageInitShape<I>;
  readonly contextValues: ContextValues | undefined;
}

/** Runs a unary call through client `interceptors` (outermost first), then `send`. */
export function interceptedUnaryCall<I extends DescMessage, O extends DescMessage>(
  interceptors: readonly Interceptor[],
  call: ClientUnaryCall<I> & { readonly method: DescMethodUnary<I, O> },
  send: (req: UnaryRequest<I, O>) => Promise<UnaryResponse<I, O>>,
): Promise<UnaryResponse<I, O>> {
  let next = send;
  for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next as never) as unknown as typeof next;
  return next({
    stream: false,
    service: call.method.parent,
    method: call.method,
    requestMethod: "POST",
    url: call.url,
    signal: call.signal ?? NEVER_ABORTED,
    header: call.header,
    contextValues: call.contextValues ?? createContextValues(),
    message: create(call.method.input, call.input),
  });
}
