// A consumer's typed handlers, one per event type, and an optional catch-all: which handler an
// event goes to, and its body decoded for it (sealed fields opened when the service holds the keys).
import { fromJsonString, type DescMessage, type Message, type MessageShape } from "@bufbuild/protobuf";
import { eventType } from "../contracts/event-types.js";
import { describeError } from "../failure-kind.js";
import type { ReceivedEvent } from "./received-event.js";
import type { FieldSeal } from "./sealed-fields.js";

/** A handler with the body it takes: a decoded message, or the JSON text for the catch-all. */
export interface HandlerCall<Tx> {
  readonly handle: (message: Message | string, event: ReceivedEvent<Tx>) => Promise<void>;
  readonly message: Message | string;
}

/** Thrown when a body does not decode as its event type: no retry can fix that. */
export class UndecodableEventError extends Error {
  override name = "UndecodableEventError";
}

type Handler<Tx> = { schema?: DescMessage; handle: HandlerCall<Tx>["handle"] };

/** Handlers by event type, and what handles the rest. */
export class EventHandlers<Tx> {
  private readonly byType = new Map<string, Handler<Tx>>();
  private fallback?: Handler<Tx>;

  /** `seal` opens sealed fields for the handlers; without it they get the sealed text. */
  constructor(
    private readonly consumer: string,
    private readonly seal?: FieldSeal,
  ) {}

  /** Handles events of `schema`'s type with `handle`. */
  on<D extends DescMessage>(schema: D, handle: (message: MessageShape<D>, event: ReceivedEvent<Tx>) => Promise<void>): void {
    const type = eventType(schema);
    if (this.byType.has(type)) throw new Error(`${this.consumer} already handles ${type}`);
    this.byType.set(type, { schema, handle: handle as Handler<Tx>["handle"] });
  }

  /** Handles every type without a handler of its own, with the JSON body as text. */
  otherwise(handle: (json: string, event: ReceivedEvent<Tx>) => Promise<void>): void {
    this.fallback = { handle: handle as Handler<Tx>["handle"] };
  }

  /** The call for an event of `type` with body `data`; undefined when nothing handles it. Throws UndecodableEventError. */
  callFor(type: string, data: Uint8Array): HandlerCall<Tx> | undefined {
    const handler = this.byType.get(type) ?? this.fallback;
    if (!handler) return undefined;
    if (!handler.schema) return { handle: handler.handle, message: new TextDecoder().decode(data) };
    const message = decode(handler.schema, data);
    return { handle: handler.handle, message: this.seal ? this.seal.open(handler.schema, message) : message };
  }
}

function decode(schema: DescMessage, data: Uint8Array): Message {
  try {
    return fromJsonString(schema, new TextDecoder().decode(data), { ignoreUnknownFields: true });
  } catch (error) {
    throw new UndecodableEventError(`body is not a ${schema.typeName} in proto3 JSON: ${describeError(error)}`, { cause: error });
  }
}
