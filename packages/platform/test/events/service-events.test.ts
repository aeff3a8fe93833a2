// A service joining the backbone: each consumer it starts is one of its readiness checks.
import test from "ava";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { ServiceEvents } from "../../src/events/service-events.js";
import { checkReadiness } from "../../src/readiness.js";
import { ServiceHost } from "../../src/host/service-host.js";
import { quietLogger } from "../support/silent-logger.js";
import { eventDatabase, SHARED_NATS_URL, testNamespace } from "./support/events.js";

test("a service's consumers are in its /readyz checks", async (t) => {
  const namespace = testNamespace(t);
  const { url, prisma } = await eventDatabase(t);
  const env = { JUNCTION_SERVICE_SECRET: "events-test-secret-0123456789abcdef", JUNCTION_USERS_DATABASE_URL: url, NATS_URL: SHARED_NATS_URL, JUNCTION_EVENTS_PREFIX: namespace.prefix };
  const runtime = ServiceHost.create("users", { env, logger: quietLogger("users") });
  t.teardown(() => runtime.close());
  const events = await ServiceEvents.join(runtime);
  await events.consume("auth", prisma, (consumer) => consumer.on(UserCreatedSchema, async () => {}));
  const report = await checkReadiness(runtime.readiness);
  t.deepEqual(report, { ready: true, checks: { nats: "ok", [`events ${namespace.stream("auth")}/users`]: "ok" } });
});
