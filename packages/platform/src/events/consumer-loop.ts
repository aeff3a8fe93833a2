// A consumer's one loop: take a batch of deliveries, process it, take the next. When a dependency
// does not answer, it pauses: stops pulling, holds what is in hand under lease (so no attempt is
// spent), retries with growing waits until the dependencies answer, then pulls again.
import type { Consumer, JsMsg } from "nats";
import type { Logger } from "../logger.js";
import type { ConsumerPause } from "./consumer-pause.js";
import { Deliveries } from "./deliveries.js";
import type { DeliveryProcessor, Unfinished } from "./delivery-processor.js";
import { describeError } from "../failure-kind.js";
import type { Leases } from "./leases.js";
import type { SqlTransaction } from "./outbox.js";
import { Pause, retryDelay } from "./pause.js";
import { settle } from "./settle.js";

/** How much the loop takes at once. */
export interface LoopOptions {
  /** Most deliveries handled in one transaction; also how many are pulled ahead. */
  batchSize: number;
  /** How long one pull request waits at the server before the library asks again. */
  pullExpiresMs: number;
}

/** Runs a consumer's deliveries through its processor until stopped. */
export class ConsumerLoop<Tx extends SqlTransaction> {
  private deliveries?: Deliveries;
  private stopping = false;
  private readonly wait = new Pause();
  private running?: Promise<void>;

  constructor(
    private readonly source: Consumer,
    private readonly processor: DeliveryProcessor<Tx>,
    private readonly pause: ConsumerPause,
    private readonly leases: Leases,
    private readonly options: LoopOptions,
    private readonly logger: Logger,
  ) {}

  /** Starts taking deliveries in the background. */
  start(): void {
    this.running ??= this.run();
  }

  /** Finishes the batch in progress (handlers, commit, acks), gives back what arrived meanwhile, and ends. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.deliveries?.stop();
    this.pause.interrupt();
    this.wait.interrupt();
    await this.running;
  }

  private async run(): Promise<void> {
    for (let failures = 0; !this.stopping; ) {
      try {
        await this.session(() => (failures = 0));
      } catch (error) {
        if (this.stopping) break;
        failures++;
        if ((failures & (failures - 1)) === 0) this.logger.warn({ err: describeError(error), failures }, "cannot consume events; retrying");
        await this.wait.for(retryDelay(failures, 250, 10_000));
      }
    }
  }

  /** One consume() session: until stopped, or through a pause (then the caller opens the next one), or until it fails. */
  private async session(onDelivery: () => void): Promise<void> {
    const deliveries = (this.deliveries = await Deliveries.open(this.source, { maxMessages: this.options.batchSize, expiresMs: this.options.pullExpiresMs }));
    if (this.stopping) deliveries.stop();
    for (let batch = await deliveries.next(this.options.batchSize); batch; batch = await deliveries.next(this.options.batchSize)) {
      onDelivery();
      // Arrived as we stopped: give them back for immediate redelivery.
      if (this.stopping) giveBack(batch, this.logger);
      const unfinished = this.stopping ? undefined : await this.processor.process(batch);
      if (unfinished) return this.sitOut({ left: [...unfinished.left, ...(await deliveries.close())], cause: unfinished.cause });
    }
    if (!this.stopping) throw new Error("the consumer's deliveries ended");
  }

  /**
   * The pause: nothing more is pulled (what had already arrived waits behind the deliveries in
   * hand, so the order holds); they are held under lease and retried until they go through.
   */
  private async sitOut(first: Unfinished): Promise<void> {
    for (let unfinished: Unfinished | undefined = first; unfinished; ) {
      this.pause.enter(unfinished.cause);
      const held = unfinished.left;
      const release = this.leases.keep(held);
      try {
        await this.pause.beforeRetry();
        if (this.stopping) return giveBack(held, this.logger);
        unfinished = await this.processInBatches(held);
      } finally {
        release();
      }
    }
    this.pause.leave();
  }

  private async processInBatches(msgs: JsMsg[]): Promise<Unfinished | undefined> {
    const size = this.options.batchSize;
    for (let i = 0; i < msgs.length; i += size) {
      if (this.stopping) return void giveBack(msgs.slice(i), this.logger);
      const unfinished = await this.processor.process(msgs.slice(i, i + size));
      if (unfinished) return { left: [...unfinished.left, ...msgs.slice(i + size)], cause: unfinished.cause };
    }
    return undefined;
  }
}

// A nak without delay: another instance (or this one, restarted) takes them at once.
function giveBack(msgs: readonly JsMsg[], logger: Logger): void {
  for (const msg of msgs) settle(() => msg.nak(), logger);
}
