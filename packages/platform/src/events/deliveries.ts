// Deliveries of one durable consumer, in batches. nats.js's consume() owns the protocol —
// pulling, refilling, idle heartbeats, recovery after a reconnect or a missed heartbeat — and
// pulls again only as messages are taken, so a consumer that stops taking stops pulling. A
// batch is one delivery plus whatever else has already arrived, up to a maximum: nothing waits
// for a batch to fill.
import type { Consumer, ConsumerMessages, JsMsg } from "nats";

const NOTHING_YET = Symbol("nothing yet");

/** The batches of one consume() session; open a new one to pull again after close(). */
export class Deliveries {
  private readonly iterator: AsyncIterator<JsMsg>;
  // A take that found nothing already arrived; it resolves with the next delivery.
  private lookahead?: Promise<IteratorResult<JsMsg>>;

  private constructor(private readonly messages: ConsumerMessages) {
    this.iterator = messages[Symbol.asyncIterator]();
  }

  /** Starts consuming: at most `maxMessages` requested ahead, each pull waiting up to `expiresMs`. */
  static async open(consumer: Consumer, options: { maxMessages: number; expiresMs: number }): Promise<Deliveries> {
    return new Deliveries(await consumer.consume({ max_messages: options.maxMessages, expires: Math.max(1000, options.expiresMs) }));
  }

  /** Waits for a delivery and returns it with those already here, at most `max`; undefined once closed. */
  async next(max: number): Promise<JsMsg[] | undefined> {
    const first = await this.take();
    if (first.done) return undefined;
    const batch = [first.value];
    while (batch.length < max) {
      const pending = this.take();
      // A delivery already received resolves within microtasks; setImmediate runs after them.
      const more = await Promise.race([pending, new Promise<typeof NOTHING_YET>((resolve) => setImmediate(resolve, NOTHING_YET))]);
      if (more === NOTHING_YET || more.done) {
        this.lookahead = pending;
        // Awaited by the next take; if this session is dropped first, its failure must not go unhandled.
        pending.catch(() => {});
        break;
      }
      batch.push(more.value);
    }
    return batch;
  }

  /** Stops pulling; deliveries already here still come out of next(), then it returns undefined. */
  stop(): void {
    this.messages.stop();
  }

  /** Stops pulling; resolves to the deliveries that had arrived but were not taken, in order. */
  async close(): Promise<JsMsg[]> {
    this.stop();
    const left: JsMsg[] = [];
    try {
      for (let next = await this.take(); !next.done; next = await this.take()) left.push(next.value);
    } catch {
      // The session had failed: nothing more arrived.
    }
    return left;
  }

  private take(): Promise<IteratorResult<JsMsg>> {
    const next = this.lookahead ?? this.iterator.next();
    this.lookahead = undefined;
    return next;
  }
}
