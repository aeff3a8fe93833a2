// CloudEvents 1.0 in binary content mode over NATS headers: each context attribute is a
// `ce-` header, the data content type is `content-type`, and the body is the event data
// itself (proto3 JSON), so `nats sub` and `nats stream view` show readable events.
import { Buffer } from "node:buffer";
import { headers, Match, type MsgHdrs } from "nats";

/** The CloudEvents version every Junction event declares. */
export const SPEC_VERSION = "1.0";
/** Event bodies are proto3 JSON. */
export const JSON_CONTENT_TYPE = "application/json";
/** JetStream's de-duplication header; Junction sets it to the event id. */
export const NATS_MSG_ID = "Nats-Msg-Id";

/** CloudEvents context attributes and Junction's extensions of one event. */
export interface EventEnvelope {
  /** `ce-id`: a UUID, unique per event; also the inbox key of every consumer. */
  readonly id: string;
  /** `ce-type`: the event type, e.g. "auth.user.created". */
  readonly type: string;
  /** `ce-source`: the producing service, e.g. "junction/auth". */
  readonly source: string;
  /** `ce-time`: when the event happened, RFC 3339. */
  readonly time?: string;
  /** `ce-subject`: the aggregate the event is about, e.g. the user id. */
  readonly subject?: string;
  /** `ce-dataschema`: the body's message type, e.g. "proto:junction.auth.v1.UserCreated". */
  readonly dataSchema?: string;
  /** `content-type` of the body. */
  readonly dataContentType?: string;
  /** `ce-correlationid`: the request id of the call that caused the event. */
  readonly correlationId?: string;
  /** `ce-actorid`: who caused the event, when known. */
  readonly actorId?: string;
  /** `ce-orgid`: the organization the event belongs to, when known. */
  readonly orgId?: string;
  /** W3C trace context of the publisher. */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

/** Thrown when a message does not carry a CloudEvents 1.0 envelope. */
export class InvalidEnvelopeError extends Error {
  override name = "InvalidEnvelopeError";
}

type Field = Exclude<keyof EventEnvelope, "dataContentType" | "traceparent" | "tracestate">;

// Attribute headers, in the order they are written (and shown by the NATS CLI).
const CE_HEADERS: ReadonlyArray<readonly [Field, string]> = [
  ["id", "ce-id"],
  ["type", "ce-type"],
  ["source", "ce-source"],
  ["time", "ce-time"],
  ["subject", "ce-subject"],
  ["dataSchema", "ce-dataschema"],
  ["correlationId", "ce-correlationid"],
  ["actorId", "ce-actorid"],
  ["orgId", "ce-orgid"],
];

/** The headers of `envelope` in binary mode, in a stable order; attribute values are percent-encoded. */
export function envelopeHeaders(envelope: EventEnvelope): Array<[string, string]> {
  const out: Array<[string, string]> = [["ce-specversion", SPEC_VERSION]];
  for (const [field, header] of CE_HEADERS) {
    const value = envelope[field];
    if (value !== undefined && value !== "") out.push([header, encodeHeaderValue(value)]);
  }
  out.push(["content-type", envelope.dataContentType ?? JSON_CONTENT_TYPE]);
  // Trace context has its own W3C format, already header-safe.
  if (envelope.traceparent) out.push(["traceparent", envelope.traceparent]);
  if (envelope.tracestate) out.push(["tracestate", envelope.tracestate]);
  return out;
}

/** The envelope in headers read through `get` (any case); throws InvalidEnvelopeError if it is not CloudEvents 1.0. */
export function readEnvelope(get: (name: string) => string | undefined): EventEnvelope {
  const specVersion = get("ce-specversion");
  if (specVersion !== SPEC_VERSION) {
    throw new InvalidEnvelopeError(specVersion ? `unsupported CloudEvents version ${specVersion}` : "not a CloudEvent: no ce-specversion header");
  }
  const envelope: Record<string, string> = {};
  for (const [field, header] of CE_HEADERS) {
    const value = get(header);
    if (value !== undefined && value !== "") envelope[field] = decodeHeaderValue(value);
  }
  const missing = ["id", "type", "source"].filter((field) => !envelope[field]).map((field) => `ce-${field}`);
  if (missing.length > 0) throw new InvalidEnvelopeError(`CloudEvent without ${missing.join(", ")}`);
  for (const [field, header] of [["dataContentType", "content-type"], ["traceparent", "traceparent"], ["tracestate", "tracestate"]] as const) {
    const value = get(header);
    if (value) envelope[field] = value;
  }
  return envelope as unknown as EventEnvelope;
}

/** NATS headers for an event: its envelope, and `Nats-Msg-Id` (the event id unless given) for JetStream de-duplication. */
export function toNatsHeaders(envelope: EventEnvelope, msgId = envelope.id): MsgHdrs {
  const h = headers();
  for (const [name, value] of envelopeHeaders(envelope)) h.set(name, value);
  h.set(NATS_MSG_ID, msgId);
  return h;
}

/** The envelope of a NATS message's headers; throws InvalidEnvelopeError if there is none. */
export function fromNatsHeaders(h: MsgHdrs | undefined): EventEnvelope {
  if (!h) throw new InvalidEnvelopeError("not a CloudEvent: the message has no headers");
  return readEnvelope((name) => (h.has(name, Match.IgnoreCase) ? h.get(name, Match.IgnoreCase) : undefined));
}

// The CloudEvents HTTP binding's rule, which the NATS binding follows: percent-encode space,
// double quote, percent and anything outside printable ASCII (as UTF-8 bytes).
const UNSAFE = /[^\x21-\x7e]|["%]/u;

/** `value` made safe for a NATS header the CloudEvents way. */
export function encodeHeaderValue(value: string): string {
  if (!UNSAFE.test(value)) return value;
  let out = "";
  for (const char of value) {
    if (!UNSAFE.test(char)) out += char;
    else for (const byte of Buffer.from(char, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The original of an encoded header value; a value that is not valid percent-encoding is taken literally. */
export function decodeHeaderValue(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
