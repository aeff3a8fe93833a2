// The event backbone: CloudEvents over NATS JetStream, published through a transactional
// outbox and received by idempotent consumers with retries and dead letters. docs/events.md
// explains how to use it.
export { AfterCommit } from "./after-commit.js";
export { ServiceEvents } from "./service-events.js";
export { DeadLetters, type DeadLetter, type Replayed } from "./dead-letters.js";
export { storeDeadLetter, DEAD_LETTER_HEADERS } from "./dead-letter-store.js";
export { EventConsumer, type EventConsumerOptions, type ReceivedEvent, type TransactionRunner } from "./event-consumer.js";
export { failureKind, type FailureKind } from "../failure-kind.js";
export { EVENTS_SCHEMA, migrateEventTables } from "./event-tables.js";
export { dataSchemaOf, eventType, isEvent, producerOf, redactSensitive } from "../contracts/event-types.js";
export { fromNatsHeaders, InvalidEnvelopeError, readEnvelope, toNatsHeaders, envelopeHeaders, type EventEnvelope } from "./envelope.js";
export { EventNamespace } from "./namespace.js";
export { connectNats, eventsConfig, DEFAULT_NATS_URL, type NatsOptions } from "./nats.js";
export { NATS_START_HINT } from "../start-hints.js";
export { Outbox, type EventOptions, type SqlTransaction } from "./outbox.js";
export { OutboxRelay, type OutboxRelayOptions } from "./outbox-relay.js";
export {
  REDELIVERY_METADATA,
  defaultConsumerSettings,
  defaultStreamSettings,
  ensureConsumer,
  ensureDeadLetterStream,
  ensureStream,
  ImmutableSettingError,
  provisionEvents,
  type ConsumerSettings,
  type ConsumerTarget,
  type EventTopology,
  type ProvisionOptions,
  type ProvisionResult,
  type StreamSettings,
} from "./provisioning.js";
export { FieldSeal, hasSensitiveFields, SEALED_FIELDS_KEYS_ENV, UnsealableFieldError } from "./sealed-fields.js";
export { consumerLagOf, type ConsumerLag } from "./consumer-lag.js";
export { outboxStateAt, readOutboxState, type OutboxState } from "./outbox-state.js";
