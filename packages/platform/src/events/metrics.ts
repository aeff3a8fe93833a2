// Prometheus metrics of the event backbone, on the process-wide registry behind /metrics. The
// producing service is `producer`, never `service`: scrape configs use that for the target.
import { Counter, Gauge, Histogram } from "prom-client";
import { metricsRegistry } from "../observability/metrics.js";

/** Events the relay published, by producer, type and outcome (stored, or duplicate when JetStream already had it). */
export const eventsPublished = new Counter({
  name: "junction_events_published_total",
  help: "Events published from the outbox to JetStream, by producing service, type and outcome (stored or duplicate).",
  labelNames: ["producer", "type", "outcome"] as const,
  registers: [metricsRegistry],
});

/** Failed publish attempts (NATS down, no stream); the rows stay pending and are retried. */
export const eventsPublishFailures = new Counter({
  name: "junction_events_publish_failures_total",
  help: "Failed attempts to publish an outbox row; the row stays pending and is retried.",
  labelNames: ["producer"] as const,
  registers: [metricsRegistry],
});

/** Deliveries processed by consumers, by outcome: handled, duplicate, skipped, retried, dead_lettered. */
export const eventsConsumed = new Counter({
  name: "junction_events_consumed_total",
  help: "Event deliveries processed, by consumer, type and outcome (handled, duplicate, skipped, retried, dead_lettered).",
  labelNames: ["consumer", "type", "outcome"] as const,
  registers: [metricsRegistry],
});

/** Deliveries that were not the first delivery of their message. */
export const eventsRedelivered = new Counter({
  name: "junction_events_redelivered_total",
  help: "Event deliveries that were redeliveries, by consumer and type.",
  labelNames: ["consumer", "type"] as const,
  registers: [metricsRegistry],
});

/** Events moved to the dead-letter stream. */
export const eventsDeadLettered = new Counter({
  name: "junction_events_dead_lettered_total",
  help: "Events moved to the dead-letter stream, by consumer and type.",
  labelNames: ["consumer", "type"] as const,
  registers: [metricsRegistry],
});

/** Deliveries acknowledged without running the handler because the inbox had the event. */
export const eventsDuplicatesSkipped = new Counter({
  name: "junction_events_duplicates_skipped_total",
  help: "Deliveries of events the consumer had already handled (inbox hit), by consumer and type.",
  labelNames: ["consumer", "type"] as const,
  registers: [metricsRegistry],
});

/** Time one event's own work took: its inbox row and handler (in a batch, its part alone); for a failure, its failed attempt. */
export const eventHandlerDuration = new Histogram({
  name: "junction_events_handler_duration_seconds",
  help: "Time to handle one event (its inbox row and handler; in a batch, that event's part only), by consumer, type and outcome.",
  labelNames: ["consumer", "type", "outcome"] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** One handling transaction from begin to commit, whatever the number of events in it. */
export const eventTransactionDuration = new Histogram({
  name: "junction_events_transaction_duration_seconds",
  help: "Time of one consumer transaction from begin to commit (one event, or a batch), by consumer.",
  labelNames: ["consumer"] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** Events a durable consumer has not yet acknowledged (not delivered, or delivered and in hand). */
export const consumerPending = new Gauge({
  name: "junction_events_consumer_pending",
  help: "Events the durable consumer has not yet acknowledged (JetStream's num_pending + num_ack_pending), by consumer and stream.",
  labelNames: ["consumer", "stream"] as const,
  registers: [metricsRegistry],
});

/** Age of the oldest event a durable consumer has not yet acknowledged; 0 when it is caught up. */
export const consumerLag = new Gauge({
  name: "junction_events_consumer_lag_seconds",
  help: "Age in seconds of the oldest event the durable consumer has not yet acknowledged (0 when caught up), by consumer and stream.",
  labelNames: ["consumer", "stream"] as const,
  registers: [metricsRegistry],
});

/** 1 while a consumer is paused because a dependency does not answer. */
export const consumerPaused = new Gauge({
  name: "junction_events_consumer_paused",
  help: "1 while the consumer is paused because one of its dependencies does not answer, else 0, by consumer and stream.",
  labelNames: ["consumer", "stream"] as const,
  registers: [metricsRegistry],
});

/** Outbox rows not yet published. */
export const outboxPending = new Gauge({
  name: "junction_events_outbox_pending",
  help: "Outbox rows not yet published, by producing service.",
  labelNames: ["producer"] as const,
  registers: [metricsRegistry],
});

/** Age of the oldest unpublished outbox row; 0 when the outbox is drained. */
export const outboxLag = new Gauge({
  name: "junction_events_outbox_lag_seconds",
  help: "Age in seconds of the oldest outbox row not yet published (0 when none), by producing service.",
  labelNames: ["producer"] as const,
  registers: [metricsRegistry],
});
