// Email delivery inside an event handler. A transient failure (server unreachable, 4xx, auth
// unavailable for the address) is thrown: an outage pauses the consumer, a 4xx has the event
// redelivered with its backoff (packages/platform/src/failure-kind.ts decides); a permanent refusal, or a failure on the event's last delivery, is recorded as a
// FAILED delivery and the event is acknowledged: nothing is lost, nothing loops. Every attempt
// leaves its trace in the deliveries table.
import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { NotificationDeliveredSchema, DeliveryChannel } from "@junction/gen/junction/notifications/v1/events_pb";
import type { Logger, Outbox, ReceivedEvent } from "@junction/platform";
import { DeliveryStatus, type Prisma, type PrismaClient } from "../generated/prisma/client.js";
import { contractKind, kindSlug, type StoredKind } from "../kinds.js";
import type { Recipient } from "../recipients.js";
import { isPermanentMailError, type MailTransport } from "./mail-transport.js";
import type { RenderedEmail } from "./templates.js";

type Tx = Prisma.TransactionClient;

/** One email to deliver for an event. */
export interface EmailRequest {
  readonly kind: StoredKind;
  /** The user it concerns. */
  readonly userId: string;
  /** Finds the address; undefined means there is nobody to email (not a failure). */
  readonly recipient: () => Promise<Recipient | undefined>;
  readonly render: (recipient: Recipient) => RenderedEmail;
}

/** What the mailer needs. */
export interface MailerOptions {
  readonly prisma: PrismaClient;
  readonly transport: MailTransport;
  readonly outbox: Pick<Outbox, "add">;
  readonly from: string;
  /** The consumer's delivery limit: a failure on this delivery is final. */
  readonly maxDeliver: number;
  readonly logger: Logger;
}

/** Delivers emails for events, recording each outcome. */
export class Mailer {
  constructor(private readonly options: MailerOptions) {}

  /** The transport in use. */
  get transport(): MailTransport {
    return this.options.transport;
  }

  /** Sends the email `request` describes for `event`, through its transaction. */
  async deliver(event: ReceivedEvent<Tx>, request: EmailRequest): Promise<void> {
    const key = { causeEventId: event.id, kind: request.kind };
    let recipient: Recipient | undefined;
    let subject = "";
    try {
      recipient = await request.recipient();
      if (!recipient) {
        this.options.logger.info({ user_id: request.userId, kind: request.kind }, "no address to email; skipped");
        return;
      }
      const rendered = request.render(recipient);
      subject = rendered.subject;
      const sent = await this.options.transport.send({
        from: this.options.from,
        to: recipient.email,
        ...rendered,
        messageId: `<${event.id}.${kindSlug(request.kind)}@junction.notifications>`,
        name: `${fileStamp(event.time)}-${kindSlug(request.kind)}-${event.id}`,
        headers: { "X-Junction-Kind": kindSlug(request.kind), "X-Junction-Event-Id": event.id },
      });
      const now = new Date();
      const outcome = { status: DeliveryStatus.SENT, attempts: event.deliveryCount, lastError: null, transport: this.transport.name, messageId: sent.messageId, sentAt: now };
      const delivery = await event.tx.delivery.upsert({
        where: { causeEventId_kind: key },
        create: { id: randomUUID(), ...key, userId: request.userId, recipient: recipient.email, subject, ...outcome },
        update: { recipient: recipient.email, subject, ...outcome },
      });
      await this.options.outbox.add(
        event.tx,
        NotificationDeliveredSchema,
        {
          notificationId: delivery.id,
          userId: request.userId,
          kind: contractKind(request.kind),
          channel: DeliveryChannel.EMAIL,
          causeEventId: event.id,
          deliverTime: timestampFromDate(now),
        },
        { subject: request.userId, time: now },
      );
    } catch (error) {
      const final = isPermanentMailError(error) || (this.options.maxDeliver > 0 && event.deliveryCount >= this.options.maxDeliver);
      const record = {
        status: final ? DeliveryStatus.FAILED : DeliveryStatus.RETRYING,
        attempts: event.deliveryCount,
        lastError: describe(error).slice(0, 1000),
        transport: this.transport.name,
      };
      const row = { where: { causeEventId_kind: key }, create: { id: randomUUID(), ...key, userId: request.userId, recipient: recipient?.email ?? "", subject, ...record }, update: record };
      const facts = { user_id: request.userId, kind: request.kind, event_id: event.id, attempt: event.deliveryCount, err: record.lastError };
      if (final) {
        // Recorded with the inbox row; the event is done.
        await event.tx.delivery.upsert(row);
        this.options.logger.error(facts, "email delivery failed for good; recorded as failed");
        return;
      }
      // Recorded outside the handler's transaction, which the rethrow rolls back.
      await this.options.prisma.delivery.upsert(row).catch((e: unknown) => this.options.logger.warn({ err: e }, "cannot record a delivery attempt"));
      this.options.logger.warn(facts, "email delivery failed; the event will be delivered again");
      throw error;
    }
  }
}

/** `time` (the event's) as a sortable, file-name-safe stamp, e.g. 20260601T120000.123Z. */
function fileStamp(time: Date | undefined): string {
  return (time ?? new Date()).toISOString().replace(/[-:]/g, "");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
