// Deliveries being handled, or held while the consumer is paused, stay leased: NATS is told they
// are still being worked on, so it neither redelivers them meanwhile nor counts another attempt.
import type { JsMsg } from "nats";
import { settle } from "./settle.js";

/** Keeps the leases of deliveries alive every `refreshMs` until released. */
export class Leases {
  constructor(private readonly refreshMs: number) {}

  /** Renews the leases of `msgs` until the returned function is called. */
  keep(msgs: readonly JsMsg[]): () => void {
    const timer = setInterval(() => msgs.forEach((msg) => settle(() => msg.working())), this.refreshMs);
    return () => clearInterval(timer);
  }

  /** Runs `fn` while keeping the leases of `msgs` alive. */
  async during<T>(msgs: readonly JsMsg[], fn: () => Promise<T>): Promise<T> {
    const release = this.keep(msgs);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
