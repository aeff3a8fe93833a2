// A stream whose deadline passes before anyone iterates it fails that iteration instead of
// ending the process with an unhandled rejection.
import test from "ava";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { createResilientTransport } from "../src/resilience/resilient-transport.js";
import { testPolicy } from "./support/policy.js";

const pastDeadline = (timeoutMs: number | undefined) => new Promise((resolve) => setTimeout(resolve, (timeoutMs ?? 0) + 20));

test("a stream whose deadline passes before it is iterated fails the iteration, not the process", async (t) => {
  const timesOut: Transport = {
    unary: () => Promise.reject(new Error("not used")),
    async stream(_method, _signal, timeoutMs) {
      await pastDeadline(timeoutMs);
      throw new ConnectError("the operation timed out", Code.DeadlineExceeded);
    },
  };
  const client = createClient(
    NotificationsService,
    createResilientTransport({ upstream: "notifications", endpoints: [timesOut], endpointUrls: ["fake://slow"], policy: testPolicy({ notifications: 1 }), retries: false }),
  );
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => void unhandled.push(reason);
  process.on("unhandledRejection", record);
  t.teardown(() => void process.off("unhandledRejection", record));
  const responses = client.watchNotifications({}, { timeoutMs: 20 });
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.deepEqual(unhandled, [], "the deadline passed while nobody awaited the response");
  const error = await t.throwsAsync(async () => {
    for await (const _ of responses) t.fail("no message expected");
  });
  t.is(ConnectError.from(error).code, Code.DeadlineExceeded);
});
