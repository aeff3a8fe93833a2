// Replies to NATS (ack, nak, term, working) are fire-and-forget: when the connection is gone,
// NATS redelivers the event later and the inbox absorbs the repeat, so a failed reply is no error.
import type { Logger } from "../logger.js";
import { describeError } from "../failure-kind.js";

/** Sends one reply to NATS; if the connection is closed, logs it (when given a logger) and goes on. */
export function settle(reply: () => void, logger?: Logger): void {
  try {
    reply();
  } catch (error) {
    logger?.warn({ err: describeError(error) }, "cannot reply to NATS; the event will be redelivered");
  }
}
