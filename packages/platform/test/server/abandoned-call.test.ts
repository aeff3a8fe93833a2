// A call its client abandons mid-stream is CANCELED in the server's metrics, and no "unexpected
// error" is logged for it: the handler's failed write is the client leaving, not a bug.
import test from "ava";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { NotificationsService } from "@junction/gen/junction/notifications/v1/notifications_service_pb";
import { pino } from "pino";
import { metricsRegistry } from "../../src/observability/metrics.js";
import { bind, startServiceServer } from "../../src/server/service-server.js";
import { testPolicy } from "../support/policy.js";

test("a client cancelling a server stream is CANCELED, without an error log line", async (t) => {
  const errors: string[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => void errors.push(line) });
  const server = await startServiceServer({
    name: "notifications",
    port: 0,
    policy: testPolicy({ notifications: 1 }),
    logger,
    services: [
      bind(NotificationsService, {
        async *watchNotifications() {
          // Ignores its signal, as handlers often do: its writes fail once the client is gone.
          for (;;) {
            yield {};
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        },
      }),
    ],
  });
  t.teardown(() => server.close());
  const abort = new AbortController();
  const client = createClient(NotificationsService, createGrpcTransport({ baseUrl: server.url }));
  await t.throwsAsync(async () => {
    for await (const _ of client.watchNotifications({}, { signal: abort.signal })) abort.abort();
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.deepEqual(errors, []);
  const metric = await metricsRegistry.getSingleMetricAsString("junction_rpc_server_duration_seconds");
  t.regex(metric, /junction_rpc_server_duration_seconds_count\{[^}]*method="WatchNotifications"[^}]*code="Canceled"[^}]*\} 1/);
});
