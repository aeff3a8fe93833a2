// Every domain event of every stream becomes one audit entry, appended in the consumer's
// transaction: the inbox row and the entry commit together, so a redelivered event is
// recognised and never recorded twice. Secrets (fields marked `sensitive`) never reach the log.
import { toJson, type DescMessage, type Message } from "@bufbuild/protobuf";
import { type EventConsumer, producerOf, type ReceivedEvent, redactSensitive } from "@junction/platform";
import { appendEntry, type AuditRecord } from "./audit-log.js";
import type { Json } from "./canonical-json.js";
import type { Prisma } from "./generated/prisma/client.js";

type Tx = Prisma.TransactionClient;

/** Registers a recording handler on `consumer` for every event type of `stream` (e.g. "auth") in `schemas`, known or not. */
export function recordEventsOf(consumer: EventConsumer<Tx>, stream: string, schemas: ReadonlyMap<string, DescMessage>): EventConsumer<Tx> {
  for (const [type, schema] of schemas) {
    if (producerOf(type) === stream) consumer.on(schema, async (message, event) => void (await recordEvent(schema, message, event)));
  }
  // A type newer than this build (a producer deployed first) is still recorded; its payload is
  // withheld because without its descriptor the sensitive fields cannot be redacted.
  return consumer.otherwise(async (_json, event) => void (await appendEntry(event.tx, entryOf(event, { payloadWithheld: UNKNOWN_TYPE_NOTE }))));
}

/** The payload recorded for an event type this audit build does not know. */
export const UNKNOWN_TYPE_NOTE = "unknown event type: payload withheld, its sensitive fields cannot be redacted by this audit build";

/** Appends one received event to the log. */
export async function recordEvent(schema: DescMessage, message: Message, event: ReceivedEvent<Tx>): Promise<bigint> {
  const payload = redactSensitive(schema, toJson(schema, message)) as { [key: string]: Json };
  return appendEntry(event.tx, entryOf(event, payload));
}

/** The audit record of `event` with `payload`. */
function entryOf(event: ReceivedEvent<Tx>, payload: { [key: string]: Json }): AuditRecord {
  return {
    eventId: event.id,
    type: event.type,
    source: event.source,
    subject: event.subject ?? "",
    // The envelope names actor and organization; older producers only had them in the body.
    actorId: event.actorId ?? stringField(payload, "actorId"),
    orgId: event.orgId ?? stringField(payload, "orgId"),
    // An event without ce-time is dated by its arrival.
    eventTime: event.time && !Number.isNaN(event.time.getTime()) ? event.time : new Date(),
    payload,
  };
}

function stringField(payload: { [key: string]: Json }, key: string): string {
  const value = payload[key];
  return typeof value === "string" ? value : "";
}
