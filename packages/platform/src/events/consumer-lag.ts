// How far a durable consumer is behind its stream: how many events it has not acknowledged, and
// how old the oldest of them is. One consumer-info request, plus one message lookup per filter
// when something is pending — cheap enough to refresh every few seconds.
import type { ConsumerInfo, JetStreamManager, MsgRequest } from "nats";
import type { Logger } from "../logger.js";
import { describeError } from "../failure-kind.js";
import { consumerLag, consumerPending } from "./metrics.js";

/** A consumer's backlog. */
export interface ConsumerLag {
  /** Events not yet acknowledged: not yet delivered, or delivered and not yet acked. */
  pending: number;
  /** Age of the oldest of them in ms; 0 when none. */
  oldestPendingAgeMs: number;
}

/** The backlog of the consumer described by `info` (from jsm.consumers.info or list). */
export async function consumerLagOf(jsm: JetStreamManager, info: ConsumerInfo, now = Date.now()): Promise<ConsumerLag> {
  const pending = info.num_pending + info.num_ack_pending;
  if (pending === 0) return { pending, oldestPendingAgeMs: 0 };
  // The oldest unacknowledged event is the first one past the ack floor that the consumer's filters match.
  const filters = info.config.filter_subjects ?? [info.config.filter_subject ?? ">"];
  const seq = info.ack_floor.stream_seq + 1;
  const oldest = await Promise.all(
    filters.map((subject) =>
      // The server's message-get takes next_by_subj; nats.js's type names it only for direct gets.
      jsm.streams.getMessage(info.stream_name, { seq, next_by_subj: subject } as unknown as MsgRequest).then(
        (msg) => msg.time.getTime(),
        () => Number.POSITIVE_INFINITY,
      ),
    ),
  );
  const first = Math.min(...oldest);
  return { pending, oldestPendingAgeMs: Number.isFinite(first) ? Math.max(0, now - first) : 0 };
}

/** Refreshes one consumer's pending and lag gauges every `intervalMs` until stopped. */
export class ConsumerLagWatch {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly consumer: string,
    private readonly logger: Logger,
  ) {}

  /** Refreshes now and then every `intervalMs`. */
  start(intervalMs: number): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs).unref();
  }

  /** Stops refreshing; the gauges keep their last values. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads the backlog and sets the gauges; a failure keeps the last values. */
  async refresh(): Promise<void> {
    try {
      const lag = await consumerLagOf(this.jsm, await this.jsm.consumers.info(this.stream, this.consumer));
      const labels = { consumer: this.consumer, stream: this.stream };
      consumerPending.set(labels, lag.pending);
      consumerLag.set(labels, lag.oldestPendingAgeMs / 1000);
    } catch (error) {
      this.logger.debug({ err: describeError(error) }, "cannot read the consumer's lag; keeping the last values");
    }
  }
}
