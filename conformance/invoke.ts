// One test case's RPC through the platform client, per stream type as the runner's docs
// describe: send the case's messages with its delays, cancel where it says, and record the
// response headers, payloads, trailers and error the runner compares with its expectations.
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { ConnectError, createContextValues, type CallOptions } from "@connectrpc/connect";
import { createWritableIterable } from "@connectrpc/connect/protocol";
import { ClientResponseResultSchema, type ClientCompatRequest, type ClientResponseResult } from "../var/conformance/gen/connectrpc/conformance/v1/client_compat_pb.js";
import { StreamType } from "../var/conformance/gen/connectrpc/conformance/v1/config_pb.js";
import {
  BidiStreamRequestSchema,
  ClientStreamRequestSchema,
  ConformancePayloadSchema,
  IdempotentUnaryRequestSchema,
  ServerStreamRequestSchema,
  UnaryRequestSchema,
  UnimplementedRequestSchema,
  type BidiStreamRequest,
  type ConformancePayload,
} from "../var/conformance/gen/connectrpc/conformance/v1/service_pb.js";
import { caseSetsTimeout } from "./case-timeout.js";
import type { ConformanceClient } from "./client-wire.js";
import { describeError } from "./conformance-errors.js";
import { appendHeaders, toConformanceHeaders } from "./metadata.js";

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/** The case's request messages, unpacked; throws if one is not of the method's request type. */
function requests<D extends DescMessage>(req: ClientCompatRequest, desc: D): MessageShape<D>[] {
  return req.requestMessages.map((any) => {
    const message = anyUnpack(any, desc);
    if (message === undefined) throw new Error(`expected a ${desc.typeName}, got ${any.typeUrl}`);
    return message;
  });
}

function single<D extends DescMessage>(req: ClientCompatRequest, desc: D): MessageShape<D> {
  const [message, ...rest] = requests(req, desc);
  if (message === undefined || rest.length > 0) throw new Error(`expected exactly one ${desc.typeName}`);
  return message;
}

/** What one call produced, filled in as it goes, and its cancellation switch. */
class CallRecord {
  readonly result: ClientResponseResult = create(ClientResponseResultSchema);
  readonly controller = new AbortController();
  private headersSeen = false;
  private trailersSeen = false;
  private readonly timing;

  constructor(private readonly req: ClientCompatRequest) {
    this.timing = req.cancel?.cancelTiming;
  }

  get cancelBeforeCloseSend(): boolean {
    return this.timing?.case === "beforeCloseSend";
  }

  get cancelAfterCloseSendMs(): number | undefined {
    return this.timing?.case === "afterCloseSendMs" ? this.timing.value : undefined;
  }

  get cancelAfterResponses(): number | undefined {
    return this.timing?.case === "afterNumResponses" ? this.timing.value : undefined;
  }

  cancel(): void {
    this.controller.abort();
  }

  /** The call options: the case's headers and timeout, this record's signal and metadata callbacks. */
  options(): CallOptions {
    const headers = new Headers();
    appendHeaders(headers, this.req.requestHeaders);
    return {
      headers,
      timeoutMs: this.req.timeoutMs,
      signal: this.controller.signal,
      contextValues: createContextValues().set(caseSetsTimeout, this.req.timeoutMs !== undefined),
      onHeader: (header) => {
        this.headersSeen = true;
        this.result.responseHeaders = toConformanceHeaders(header);
      },
      onTrailer: (trailer) => {
        this.trailersSeen = true;
        this.result.responseTrailers = toConformanceHeaders(trailer);
      },
    };
  }

  received(payload: ConformancePayload | undefined): void {
    this.result.payloads.push(payload ?? create(ConformancePayloadSchema));
    if (this.result.payloads.length === this.cancelAfterResponses) this.cancel();
  }

  failed(error: unknown): void {
    const connectError = ConnectError.from(error);
    this.result.error = describeError(connectError);
    // An error's metadata merges the headers and trailers the call did not hand over; which
    // was which is lost, so it stands in for both (the runner accepts either attribution).
    const metadata = toConformanceHeaders(connectError.metadata);
    if (!this.headersSeen) this.result.responseHeaders = metadata;
    if (!this.trailersSeen) this.result.responseTrailers = metadata;
  }
}

async function unary(client: ConformanceClient, req: ClientCompatRequest, call: CallRecord) {
  let send: (options: CallOptions) => Promise<{ payload?: ConformancePayload }>;
  if (req.method === "IdempotentUnary") {
    const message = single(req, IdempotentUnaryRequestSchema);
    send = (options) => client.idempotentUnary(message, options);
  } else {
    const message = single(req, UnaryRequestSchema);
    send = (options) => client.unary(message, options);
  }
  const afterMs = call.cancelAfterCloseSendMs;
  if (afterMs !== undefined) setTimeout(() => call.cancel(), afterMs);
  try {
    const response = await send(call.options());
    call.received(response.payload);
  } catch (error) {
    call.failed(error);
  }
}

async function unimplemented(client: ConformanceClient, req: ClientCompatRequest, call: CallRecord) {
  const message = single(req, UnimplementedRequestSchema);
  try {
    await client.unimplemented(message, call.options());
  } catch (error) {
    call.failed(error);
  }
}

async function clientStream(client: ConformanceClient, req: ClientCompatRequest, call: CallRecord) {
  const messages = requests(req, ClientStreamRequestSchema);
  async function* send() {
    for (const message of messages) {
      await sleep(req.requestDelayMs);
      yield message;
    }
    // Returning closes the request side: cancel just before, or some time after.
    if (call.cancelBeforeCloseSend) call.cancel();
    const afterMs = call.cancelAfterCloseSendMs;
    if (afterMs !== undefined) setTimeout(() => call.cancel(), afterMs);
  }
  try {
    const response = await client.clientStream(send(), call.options());
    call.received(response.payload);
  } catch (error) {
    call.failed(error);
  }
}

async function serverStream(client: ConformanceClient, req: ClientCompatRequest, call: CallRecord) {
  const message = single(req, ServerStreamRequestSchema);
  try {
    const responses = client.serverStream(message, call.options());
    const afterMs = call.cancelAfterCloseSendMs;
    if (afterMs !== undefined) {
      await sleep(afterMs);
      call.cancel();
    }
    for await (const response of responses) call.received(response.payload);
  } catch (error) {
    call.failed(error);
  }
}

async function bidiStream(client: ConformanceClient, req: ClientCompatRequest, call: CallRecord) {
  const messages = requests(req, BidiStreamRequestSchema);
  const fullDuplex = req.streamType === StreamType.FULL_DUPLEX_BIDI_STREAM;
  const input = createWritableIterable<BidiStreamRequest>();
  let sent = 0;
  try {
    const responses = client.bidiStream(input, call.options())[Symbol.asyncIterator]();
    for (const message of messages) {
      await sleep(req.requestDelayMs);
      await input.write(message);
      sent++;
      if (!fullDuplex) continue;
      // Full duplex: each request is answered before the next is sent.
      if (call.cancelAfterResponses === 0) call.cancel();
      const next = await responses.next();
      if (!next.done) call.received(next.value.payload);
    }
    if (call.cancelBeforeCloseSend) call.cancel();
    input.close();
    const afterMs = call.cancelAfterCloseSendMs;
    if (afterMs !== undefined) setTimeout(() => call.cancel(), afterMs);
    if (call.cancelAfterResponses === 0) call.cancel();
    for (let next = await responses.next(); !next.done; next = await responses.next()) call.received(next.value.payload);
  } catch (error) {
    call.result.numUnsentRequests = messages.length - sent;
    call.failed(error);
  }
}

const METHODS = {
  Unary: unary,
  IdempotentUnary: unary,
  Unimplemented: unimplemented,
  ClientStream: clientStream,
  ServerStream: serverStream,
  BidiStream: bidiStream,
};

/** Makes the case's call and returns what happened; throws only if the call could not be made at all. */
export async function invoke(client: ConformanceClient, req: ClientCompatRequest): Promise<ClientResponseResult> {
  if (req.service !== "connectrpc.conformance.v1.ConformanceService") throw new Error(`unknown service ${req.service}`);
  const method = METHODS[req.method as keyof typeof METHODS];
  if (!method) throw new Error(`unknown method ${req.method}`);
  const call = new CallRecord(req);
  await method(client, req, call);
  return call.result;
}
