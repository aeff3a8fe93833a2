// Live delivery of new notifications to WatchNotifications streams, across service instances:
// the instance that stores a notification publishes it on core NATS (no JetStream: a live
// stream wants what happens from now on, and the inbox keeps the history), and every
// instance holding a stream of that user receives it through its own subscription.
//
// Subject: `live.notifications.<user id>`, under the event namespace's prefix when there is
// one. It lies outside every JetStream stream's subjects (`<service>.>`, `dlq.>`), so live
// pushes are never stored as events.
import { fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { NotificationSchema, type Notification } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import type { EventNamespace, Logger } from "@junction/platform";
import type { NatsConnection, Subscription } from "nats";

const SAFE_TOKEN = /^[A-Za-z0-9_-]+$/;

/** Publishes and subscribes to users' live notification subjects. */
export class LiveFeed {
  private readonly subscriptions = new Map<Subscription, { userId: string; ready: boolean }>();
  private closed = false;

  constructor(
    private readonly nats: NatsConnection,
    private readonly namespace: EventNamespace,
    private readonly logger: Logger,
  ) {}

  /** The subject `userId`'s notifications are pushed on. */
  subject(userId: string): string {
    // A user id is one subject token; anything that could act as a wildcard or separator is hex-encoded.
    const token = SAFE_TOKEN.test(userId) ? userId : `x${Buffer.from(userId, "utf8").toString("hex")}`;
    return this.namespace.subject(`live.notifications.${token}`);
  }

  /** Pushes `notification` to every stream of its recipient, on any instance; best effort. */
  publish(notification: Notification): void {
    try {
      this.nats.publish(this.subject(notification.userId), toJsonString(NotificationSchema, notification));
    } catch (error) {
      // Live pushes are a convenience: the notification is stored and ListNotifications has it.
      this.logger.warn({ err: error, user_id: notification.userId }, "cannot push a notification live");
    }
  }

  /** `userId`'s notifications from now until `signal` aborts or the feed closes. */
  async *watch(userId: string, signal: AbortSignal): AsyncGenerator<Notification> {
    if (this.closed || signal.aborted) return;
    const subscription = this.nats.subscribe(this.subject(userId));
    const watcher = { userId, ready: false };
    this.subscriptions.set(subscription, watcher);
    const stop = () => subscription.unsubscribe();
    signal.addEventListener("abort", stop, { once: true });
    try {
      // The server has the interest once flushed; only then does the stream count as open.
      await this.nats.flush();
      watcher.ready = true;
      for await (const message of subscription) {
        yield fromJsonString(NotificationSchema, message.string(), { ignoreUnknownFields: true });
      }
    } finally {
      signal.removeEventListener("abort", stop);
      subscription.unsubscribe();
      this.subscriptions.delete(subscription);
    }
  }

  /** Streams open and subscribed right now, all or `userId`'s. */
  watchers(userId?: string): number {
    return [...this.subscriptions.values()].filter((w) => w.ready && (userId === undefined || w.userId === userId)).length;
  }

  /** Ends every open stream (at shutdown, so clients reconnect elsewhere at once). */
  close(): void {
    this.closed = true;
    for (const subscription of this.subscriptions.keys()) subscription.unsubscribe();
  }
}
