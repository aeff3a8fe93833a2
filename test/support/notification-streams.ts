// Reading a live WatchNotifications stream in a test: the first notification it delivers, or a
// failure after a while instead of a test that hangs.
import type { Notification } from "@junction/gen/junction/notifications/v1/notifications_service_pb";

/** Resolves with the first notification of a stream, or fails after `ms`. */
export async function firstOf(stream: AsyncIterable<{ notification?: Notification }>, ms: number): Promise<Notification> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      (async () => {
        for await (const message of stream) if (message.notification) return message.notification;
        throw new Error("the stream ended without a notification");
      })(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no notification within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
