// A call reset by its upstream after the deadline passed (the upstream enforcing the deadline it
// was sent, a moment before the caller's own timer) is DEADLINE_EXCEEDED, not CANCELED; one the
// caller cancelled stays CANCELED.
import test from "ava";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { createResilientTransport, expiredAsDeadlineExceeded } from "../src/resilience/resilient-transport.js";
import { testPolicy } from "./support/policy.js";

const reset = () => new ConnectError("http/2 stream closed with error code CANCEL (0x8)", Code.Canceled);
const pastDeadline = (timeoutMs: number | undefined) => new Promise((resolve) => setTimeout(resolve, (timeoutMs ?? 0) + 20));

/** An endpoint that, like a server enforcing the deadline, resets the call just after it passes. */
const resetAfterDeadline: Transport = {
  async unary(_method, _signal, timeoutMs) {
    await pastDeadline(timeoutMs);
    throw reset();
  },
  async stream(method, _signal, timeoutMs) {
    const message: AsyncIterable<never> = {
      [Symbol.asyncIterator]: () => ({ next: () => pastDeadline(timeoutMs).then(() => Promise.reject(reset())) }),
    };
    return { stream: true, service: method.parent, method, header: new Headers(), trailer: new Headers(), message } as never;
  },
};

const transport = () =>
  createResilientTransport({ upstream: "notifications", endpoints: [resetAfterDeadline], endpointUrls: ["fake://reset"], policy: testPolicy({ notifications: 1, orgs: 1 }), retries: false });

test("a reset that arrives after the deadline is DEADLINE_EXCEEDED", async (t) => {
  const error = await t.throwsAsync(createClient(InternalOrgsService, transport()).listUserOrganizations({ userId: "u1" }, { timeoutMs: 50 }));
  t.is(ConnectError.from(error).code, Code.DeadlineExceeded);
});

test("a stream reset after the deadline is DEADLINE_EXCEEDED", async (t) => {
  const error = await t.throwsAsync(async () => {
    for await (const _ of createClient(NotificationsService, transport()).watchNotifications({}, { timeoutMs: 50 })) t.fail("no message expected");
  });
  t.is(ConnectError.from(error).code, Code.DeadlineExceeded);
});

test("a cancellation by the caller, or before the deadline, stays CANCELED", (t) => {
  const canceled = new ConnectError("canceled", Code.Canceled);
  const aborted = AbortSignal.abort();
  const live = new AbortController().signal;
  t.is(expiredAsDeadlineExceeded(canceled, 1000, aborted, 2000), canceled);
  t.is(expiredAsDeadlineExceeded(canceled, 1000, live, 999), canceled);
  t.is(ConnectError.from(expiredAsDeadlineExceeded(canceled, 1000, live, 1000)).code, Code.DeadlineExceeded);
});
