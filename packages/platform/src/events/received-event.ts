// What a handler knows about the event it handles besides the payload: the envelope, where the
// message sits in its stream, the transaction to write through, and when its time is up.
import type { JsMsg } from "nats";
import type { EventEnvelope } from "./envelope.js";

/** What a handler knows about the event besides its payload. */
export interface ReceivedEvent<Tx> {
  /** The delivery's transaction: write through it so the effect commits with the inbox row. */
  readonly tx: Tx;
  /** `ce-id`, unique per event. */
  readonly id: string;
  readonly type: string;
  readonly source: string;
  /** The aggregate the event is about (`ce-subject`). */
  readonly subject?: string;
  readonly time?: Date;
  readonly actorId?: string;
  readonly orgId?: string;
  /** The request id of the call that caused the event. */
  readonly correlationId?: string;
  /** The message's sequence in its stream and how often it has been delivered (1 the first time). */
  readonly streamSequence: number;
  readonly deliveryCount: number;
  /** Aborted when the handler's time is up. */
  readonly signal: AbortSignal;
}

/** The ReceivedEvent of delivery `msg` with `envelope`, handled in `tx` until `signal` aborts. */
export function receivedEvent<Tx>(tx: Tx, envelope: EventEnvelope, msg: JsMsg, signal: AbortSignal): ReceivedEvent<Tx> {
  return {
    tx,
    id: envelope.id,
    type: envelope.type,
    source: envelope.source,
    subject: envelope.subject,
    time: envelope.time ? new Date(envelope.time) : undefined,
    actorId: envelope.actorId,
    orgId: envelope.orgId,
    correlationId: envelope.correlationId,
    streamSequence: msg.info.streamSequence,
    deliveryCount: msg.info.deliveryCount,
    signal,
  };
}
