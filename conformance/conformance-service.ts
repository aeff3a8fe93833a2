// connectrpc.conformance.v1.ConformanceService as the suite's reference clients expect it: each
// call echoes what the server saw (headers, timeout, requests) and answers with the data,
// headers, trailers, delays and error its request defines. Unimplemented is left unimplemented.
import { create } from "@bufbuild/protobuf";
import { anyPack, type Any } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { inboundTimeoutMs } from "@junction/platform";
import {
  BidiStreamRequestSchema,
  ClientStreamRequestSchema,
  ConformancePayload_ConnectGetInfoSchema,
  ConformancePayload_RequestInfoSchema,
  ConformancePayloadSchema,
  IdempotentUnaryRequestSchema,
  ServerStreamRequestSchema,
  UnaryRequestSchema,
  type ConformancePayload_RequestInfo,
  type ConformanceService,
  type StreamResponseDefinition,
  type UnaryResponseDefinition,
} from "../var/conformance/gen/connectrpc/conformance/v1/service_pb.js";
import { raiseable } from "./conformance-errors.js";
import { appendHeaders, toConformanceHeaders } from "./metadata.js";

/** What the server observed of a call, echoed in the first response or in the error. */
function requestInfo(ctx: HandlerContext, requests: Any[]): ConformancePayload_RequestInfo {
  // The timeout the request carried, as the platform reads it to set the call's deadline.
  // ctx.timeoutMs() is what is left of it, which on a busy machine, once a client stream has
  // been read, can fall below the runner's 500 ms tolerance.
  const timeoutMs = inboundTimeoutMs(ctx.requestHeader);
  const url = new URL(ctx.url);
  const queryParams = [...url.searchParams.keys()].map((name) => ({ name, value: url.searchParams.getAll(name) }));
  return create(ConformancePayload_RequestInfoSchema, {
    requestHeaders: toConformanceHeaders(ctx.requestHeader),
    timeoutMs: timeoutMs === undefined ? undefined : BigInt(Math.floor(timeoutMs)),
    requests,
    connectGetInfo: ctx.requestMethod === "GET" ? create(ConformancePayload_ConnectGetInfoSchema, { queryParams }) : undefined,
  });
}

/** Waits `ms`; fails with the call's end (deadline, cancellation) if that comes first, so nothing is sent after it. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(ConnectError.from(signal.reason, Code.Canceled));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(signal.reason, Code.Canceled));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    }, ms);
    signal.addEventListener("abort", abort, { once: true });
  });
}

function setResponseMetadata(ctx: HandlerContext, def: UnaryResponseDefinition | StreamResponseDefinition | undefined) {
  appendHeaders(ctx.responseHeader, def?.responseHeaders ?? []);
  appendHeaders(ctx.responseTrailer, def?.responseTrailers ?? []);
}

/** The single answer of unary and client-stream calls: the defined data, or the defined error. */
async function answerOnce(def: UnaryResponseDefinition | undefined, requests: Any[], ctx: HandlerContext) {
  setResponseMetadata(ctx, def);
  const info = requestInfo(ctx, requests);
  await delay(def?.responseDelayMs ?? 0, ctx.signal);
  if (def?.response.case === "error") throw raiseable(def.response.value, info);
  const data = def?.response.case === "responseData" ? def.response.value : undefined;
  return { payload: create(ConformancePayloadSchema, { requestInfo: info, data }) };
}

/** The handlers of ConformanceService. */
export const conformanceHandlers: Partial<ServiceImpl<typeof ConformanceService>> = {
  unary: (req, ctx) => answerOnce(req.responseDefinition, [anyPack(UnaryRequestSchema, req)], ctx),

  idempotentUnary: (req, ctx) => answerOnce(req.responseDefinition, [anyPack(IdempotentUnaryRequestSchema, req)], ctx),

  async clientStream(requests, ctx) {
    let def: UnaryResponseDefinition | undefined;
    const received: Any[] = [];
    for await (const req of requests) {
      // Only the first message defines the answer.
      if (received.length === 0) def = req.responseDefinition;
      received.push(anyPack(ClientStreamRequestSchema, req));
    }
    return answerOnce(def, received, ctx);
  },

  async *serverStream(req, ctx) {
    const def = req.responseDefinition;
    setResponseMetadata(ctx, def);
    const info = requestInfo(ctx, [anyPack(ServerStreamRequestSchema, req)]);
    let sent = 0;
    for (const data of def?.responseData ?? []) {
      await delay(def?.responseDelayMs ?? 0, ctx.signal);
      yield { payload: create(ConformancePayloadSchema, { data, requestInfo: sent === 0 ? info : undefined }) };
      sent++;
    }
    if (def?.error) throw raiseable(def.error, sent === 0 ? info : undefined);
  },

  async *bidiStream(requests, ctx) {
    let def: StreamResponseDefinition | undefined;
    let fullDuplex = false;
    let received: Any[] = [];
    let sent = 0;
    let first = true;
    for await (const req of requests) {
      if (first) {
        first = false;
        def = req.responseDefinition;
        fullDuplex = req.fullDuplex;
        setResponseMetadata(ctx, def);
      }
      received.push(anyPack(BidiStreamRequestSchema, req));
      if (!fullDuplex) continue;
      // Full duplex: one response per request, echoing the requests since the last response.
      const data = def?.responseData[sent];
      if (data === undefined) break;
      await delay(def?.responseDelayMs ?? 0, ctx.signal);
      yield { payload: create(ConformancePayloadSchema, { data, requestInfo: requestInfo(ctx, received) }) };
      sent++;
      received = [];
    }
    // Half duplex (every response), or full duplex with more responses than requests.
    const info = requestInfo(ctx, received);
    for (const data of def?.responseData.slice(sent) ?? []) {
      await delay(def?.responseDelayMs ?? 0, ctx.signal);
      yield { payload: create(ConformancePayloadSchema, { data, requestInfo: sent === 0 ? info : undefined }) };
      sent++;
    }
    if (def?.error) throw raiseable(def.error, sent === 0 ? info : undefined);
  },
};
