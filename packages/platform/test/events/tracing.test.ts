import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import test from "ava";
import { UserCreatedSchema } from "@junction/gen/junction/auth/v1/events_pb";
import { currentCallContext, runInCallContext } from "../../src/call-context.js";
import { EventConsumer } from "../../src/events/event-consumer.js";
import { Outbox } from "../../src/events/outbox.js";
import { OutboxRelay } from "../../src/events/outbox-relay.js";
import { ensureStream } from "../../src/events/provisioning.js";
import { initTracing, shutdownTracing, tracer } from "../../src/observability/tracing.js";
import { eventDatabase, eventWorld, natsConnection, quickRetries, registerUser, testLogger, testNamespace, waitFor } from "./support/events.js";

const exporter = new InMemorySpanExporter();
initTracing("events-test", { exporter });
test.after.always(() => shutdownTracing());

test("the handler runs in the publisher's trace, with the request's id as its correlation id", async (t) => {
  const namespace = testNamespace(t);
  const nc = await natsConnection(t);
  await ensureStream(await nc.jetstreamManager(), namespace, "auth");
  const producer = await eventDatabase(t);
  const relay = new OutboxRelay({ service: "auth", databaseUrl: producer.url, nats: nc, namespace, logger: testLogger });
  await relay.start();
  t.teardown(() => relay.stop());

  const { prisma } = await eventDatabase(t);
  const seen: Array<{ traceId?: string; requestId?: string }> = [];
  const consumer = new EventConsumer({ consumer: "tracer", stream: "auth", nats: nc, prisma, namespace, settings: quickRetries, logger: testLogger }).on(
    UserCreatedSchema,
    async () => void seen.push({ traceId: trace.getActiveSpan()?.spanContext().traceId, requestId: currentCallContext()?.requestId }),
  );
  await consumer.start();
  t.teardown(() => consumer.stop());

  // The "request" that registers the user: a server span and a call context.
  const call = { service: "junction.auth.v1.AuthService", method: "Register", signal: new AbortController().signal, requestId: "req-trace-1" };
  const request = await tracer().startActiveSpan("Register", { kind: SpanKind.SERVER }, async (span) => {
    await runInCallContext(call, () => registerUser(producer.prisma, new Outbox("auth"), 1));
    span.end();
    return span.spanContext();
  });

  const [handled] = await waitFor("the handler", () => seen.length > 0 && seen);
  t.is(handled!.traceId, request.traceId);
  t.is(handled!.requestId, "req-trace-1");

  const spans = await waitFor("the consumer span", () => {
    const finished = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === request.traceId);
    return finished.some((s) => s.kind === SpanKind.CONSUMER) && finished;
  });
  const publish = spans.find((s) => s.kind === SpanKind.PRODUCER)!;
  const process = spans.find((s) => s.kind === SpanKind.CONSUMER)!;
  t.is(publish.name, "publish auth.user.created");
  t.is(publish.parentSpanContext?.spanId, request.spanId);
  t.is(process.name, "process auth.user.created");
  t.is(process.parentSpanContext?.spanId, publish.spanContext().spanId);
  t.is(process.attributes["messaging.consumer.group.name"], "tracer");
  t.like(publish.attributes, { "messaging.system": "nats", "messaging.operation.type": "send", "messaging.operation.name": "publish" });
  t.like(process.attributes, { "messaging.system": "nats", "messaging.operation.type": "process", "messaging.operation.name": "process" });
});

test("an event dead-lettered after its last attempt leaves a settle span in its trace", async (t) => {
  const { nc, namespace, producer, consumerDb } = await eventWorld(t);
  const consumer = new EventConsumer({ consumer: "doomed", stream: "auth", nats: nc, prisma: consumerDb.prisma, namespace, settings: quickRetries, logger: testLogger }).on(UserCreatedSchema, async () => {
    throw new Error("never handled");
  });
  await consumer.start();
  t.teardown(() => consumer.stop());

  const request = await tracer().startActiveSpan("Register", { kind: SpanKind.SERVER }, async (span) => {
    await registerUser(producer.prisma, new Outbox("auth"), 1);
    span.end();
    return span.spanContext();
  });
  const inTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === request.traceId);
  const deadLettered = await waitFor("the dead_letter span", () => inTrace().find((s) => s.name === "dead_letter auth.user.created"));
  const publish = inTrace().find((s) => s.kind === SpanKind.PRODUCER)!;
  t.is(deadLettered.parentSpanContext?.spanId, publish.spanContext().spanId, "a sibling of the failed attempts' process spans");
  t.like(deadLettered.attributes, { "messaging.operation.type": "settle", "messaging.operation.name": "dead_letter", "messaging.consumer.group.name": "doomed", "messaging.message.delivery_count": quickRetries.maxDeliver });
  t.is(typeof deadLettered.attributes["junction.dead_letter.sequence"], "number");
  t.is(inTrace().filter((s) => s.name === "process auth.user.created" && s.status.code === SpanStatusCode.ERROR).length, quickRetries.maxDeliver, "each attempt's process span is an error");
});
