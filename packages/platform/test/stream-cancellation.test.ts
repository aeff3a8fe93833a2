// A stream its caller cancels delivers nothing more, not even messages that had already
// arrived: the caller sees CANCELED right after it cancels.
import test from "ava";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { createResilientTransport } from "../src/resilience/resilient-transport.js";
import { testPolicy } from "./support/policy.js";

/** An endpoint whose three response messages are all there before the caller reads the first. */
const buffered: Transport = {
  unary: () => Promise.reject(new Error("not used")),
  async stream(method) {
    const message = (async function* () {
      yield* [{}, {}, {}];
    })();
    return { stream: true, service: method.parent, method, header: new Headers(), trailer: new Headers(), message } as never;
  },
};

test("a cancelled stream delivers no further message, even one already received", async (t) => {
  const transport = createResilientTransport({ upstream: "notifications", endpoints: [buffered], endpointUrls: ["fake://buffered"], policy: testPolicy({ notifications: 1 }), retries: false });
  const abort = new AbortController();
  let received = 0;
  const error = await t.throwsAsync(async () => {
    for await (const _ of createClient(NotificationsService, transport).watchNotifications({}, { signal: abort.signal })) {
      received++;
      abort.abort();
    }
  });
  t.is(received, 1);
  t.is(ConnectError.from(error).code, Code.Canceled);
});
