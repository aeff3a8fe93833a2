// The transactional outbox: an event is a row written by the same Prisma transaction as the
// domain change it describes, so both commit or neither does. The relay publishes it later.
import { randomUUID } from "node:crypto";
import { create, toJsonString, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { currentCallContext } from "../call-context.js";
import { injectTraceContext } from "../observability/tracing.js";
import { dataSchemaOf, eventType, producerOf } from "../contracts/event-types.js";
import { hasSensitiveFields, type FieldSeal } from "./sealed-fields.js";

/**
 * What the outbox and inbox need of a Prisma transaction client: raw SQL as a tagged template.
 * Every generated client's interactive-transaction client fits.
 */
export interface SqlTransaction {
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<T>;
}

/** Attributes of one event besides its payload. */
export interface EventOptions {
  /** The aggregate the event is about (`ce-subject`), e.g. the user id. */
  subject: string;
  /** Who caused it (`ce-actorid`), when known; the audit log records it. */
  actorId?: string;
  /** The organization it belongs to (`ce-orgid`), when known. */
  orgId?: string;
  /** Defaults to the request id of the current call. */
  correlationId?: string;
  /** When it happened; defaults to now. */
  time?: Date;
}

/** A service's outbox: events written inside its domain transactions. */
export class Outbox {
  /** `service` is the producing service; it may only write events of its own stream. `seal` seals sensitive fields. */
  constructor(
    readonly service: string,
    private readonly seal?: FieldSeal,
  ) {}

  /**
   * Writes `message` as an event of its schema's type through `tx` (the service's Prisma
   * transaction client) and returns the event id. Trace context and correlation id are
   * captured now, from the call that causes the event.
   */
  async add<D extends DescMessage>(tx: SqlTransaction, schema: D, message: MessageInitShape<D>, options: EventOptions): Promise<string> {
    const type = eventType(schema);
    if (producerOf(type) !== this.service) {
      throw new Error(`${schema.typeName} (${type}) belongs to the ${producerOf(type)} stream; the ${this.service} service cannot publish it`);
    }
    if (!options.subject) throw new Error(`${type}: an event needs a subject (the id of the aggregate it is about)`);
    const id = randomUUID();
    let payload = create(schema, message);
    if (hasSensitiveFields(schema)) {
      // Never written in clear: not in the outbox table, not in the stream.
      if (!this.seal) throw new Error(`${type} carries sensitive fields; the ${this.service} service needs the sealing key ring to publish it`);
      payload = this.seal.seal(schema, payload);
    }
    const data = toJsonString(schema, payload);
    const trace: Record<string, string> = {};
    injectTraceContext(trace);
    // Without recorded spans, the request's passed-on trace context travels with the event.
    trace.traceparent ??= currentCallContext()?.traceparent ?? "";
    if (trace.traceparent === "") delete trace.traceparent;
    const time = (options.time ?? new Date()).toISOString();
    const correlationId = options.correlationId ?? currentCallContext()?.requestId ?? null;
    await tx.$executeRaw`
      INSERT INTO junction_events.outbox
        (id, type, source, subject, data_schema, data, time, correlation_id, actor_id, org_id, traceparent, tracestate)
      VALUES
        (${id}::uuid, ${type}, ${`junction/${this.service}`}, ${options.subject}, ${dataSchemaOf(schema)}, ${data},
         ${time}::timestamptz, ${correlationId}, ${options.actorId ?? null}, ${options.orgId ?? null},
         ${trace.traceparent ?? null}, ${trace.tracestate ?? null})`;
    return id;
  }
}
