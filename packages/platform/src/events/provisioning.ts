// Idempotent JetStream provisioning at start: a stream per producing service, a dead-letter
// stream, and a durable pull consumer per (consuming service, stream). Running it again
// changes nothing; changing a setting updates the existing stream or consumer in place.
// Needs NATS 2.10 or later (several filter subjects and metadata per consumer).
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  nanos,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from "nats";
import { EventNamespace } from "./namespace.js";

/** Who publishes and who consumes which stream: one stream per producer, one durable consumer per (consumer, stream). A Manifest is one. */
export interface EventTopology {
  readonly producers: readonly string[];
  readonly consumers: ReadonlyArray<{ readonly service: string; readonly streams: readonly string[] }>;
}

const DAY_MS = 86_400_000;

/** The consumer metadata entry holding its redelivery delays in ms ("1000,5000,30000,120000"). */
export const REDELIVERY_METADATA = "junction_backoff_ms";

/** Limits of a stream: an audit trail keeps everything for a while, then drops the oldest. */
export interface StreamSettings {
  /** Copies kept by a NATS cluster: 1 on a single server; 3 on a three-node cluster survives losing one node. */
  replicas: number;
  /** How long messages are kept. */
  maxAgeMs: number;
  /** How long JetStream remembers a `Nats-Msg-Id` to drop a re-published duplicate. */
  duplicateWindowMs: number;
  /** Total size cap in bytes; -1 for none (age is the limit). */
  maxBytes: number;
  /** Largest accepted message in bytes. */
  maxMsgSize: number;
}

/** The platform's stream limits. */
export const defaultStreamSettings: StreamSettings = {
  replicas: 1,
  maxAgeMs: 30 * DAY_MS,
  duplicateWindowMs: 2 * 60_000,
  maxBytes: -1,
  maxMsgSize: 1024 * 1024,
};

/** Redelivery policy of a consumer. */
export interface ConsumerSettings {
  /** Handler attempts for one message before it goes to the dead-letter stream; -1 for unlimited. NATS's max_deliver is one more (a spare). */
  maxDeliver: number;
  /**
   * Delay before delivery n+1 after the n-th failed one (the last entry repeats). The consumer
   * applies it as its nak delay and nothing else does (no server-side `backoff`, which NATS would
   * add to the nak delay); it is kept in the consumer's metadata. Must be shorter than maxDeliver.
   */
  backoffMs: number[];
  /**
   * How long one delivery is leased (NATS's ack wait). Consumers keep the lease alive while a
   * handler runs, so this only says how soon the event of a consumer that died mid-handler is
   * delivered again.
   */
  ackWaitMs: number;
  /** Messages delivered but not yet acknowledged, at most. */
  maxAckPending: number;
}

/** The platform's redelivery policy: 5 attempts, 1 s, 5 s, 30 s and 2 min apart, then dead-lettered. */
export const defaultConsumerSettings: ConsumerSettings = {
  maxDeliver: 5,
  backoffMs: [1_000, 5_000, 30_000, 120_000],
  ackWaitMs: 30_000,
  maxAckPending: 1000,
};

/** What provisioning did to one stream or consumer. */
export interface ProvisionResult {
  kind: "stream" | "consumer";
  /** "AUTH", or "AUTH/users" for a consumer. */
  name: string;
  outcome: "created" | "updated" | "unchanged";
}

/** Thrown when a setting differs but NATS cannot change it on an existing stream or consumer. */
export class ImmutableSettingError extends Error {
  override name = "ImmutableSettingError";
}

/** Creates or updates the stream of producing `service`. */
export async function ensureStream(
  jsm: JetStreamManager,
  namespace: EventNamespace,
  service: string,
  settings: StreamSettings = defaultStreamSettings,
): Promise<ProvisionResult> {
  const subjects = [namespace.streamSubjects(service), namespace.replaySubjects(service)];
  const config = streamConfig(namespace.stream(service), subjects, `Events published by ${service}`, settings);
  return reconcileStream(jsm, config);
}

/** Creates or updates the dead-letter stream. */
export async function ensureDeadLetterStream(
  jsm: JetStreamManager,
  namespace: EventNamespace,
  settings: StreamSettings = defaultStreamSettings,
): Promise<ProvisionResult> {
  const config = streamConfig(namespace.deadLetterStream, [namespace.deadLetterSubjects], "Events no handler could process", settings);
  return reconcileStream(jsm, config);
}

/** Identifies one durable consumer: the consuming service reading one producer's stream. */
export interface ConsumerTarget {
  /** The consuming service; also the durable consumer's name. */
  consumer: string;
  /** The producing service whose stream is read. */
  stream: string;
  /** Narrows the events delivered, e.g. "auth.user.>" without prefix; replays for this consumer are narrowed alike. */
  filter?: string;
}

/** Creates or updates a durable pull consumer with explicit acks and the given redelivery policy. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  namespace: EventNamespace,
  target: ConsumerTarget,
  settings: ConsumerSettings = defaultConsumerSettings,
): Promise<ProvisionResult> {
  const stream = namespace.stream(target.stream);
  const name = `${stream}/${target.consumer}`;
  const wanted = consumerConfig(namespace, target, settings);
  const existing = await jsm.consumers.info(stream, target.consumer).catch(notFoundAs(undefined));
  if (!existing) {
    await jsm.consumers.add(stream, wanted).catch((error: unknown) => {
      if (apiErrorCode(error) === 10059) throw new Error(`stream ${stream} does not exist; provision streams first (npm run events -- provision)`, { cause: error });
      throw error;
    });
    return { kind: "consumer", name, outcome: "created" };
  }
  const have = existing.config;
  for (const field of ["ack_policy", "deliver_policy"] as const) {
    if (have[field] !== wanted[field]) {
      throw new ImmutableSettingError(`consumer ${name}: ${field} cannot be changed from ${have[field]} to ${wanted[field]}; delete the consumer to recreate it`);
    }
  }
  const changes: Partial<ConsumerConfig> = {};
  for (const field of ["description", "ack_wait", "max_deliver", "max_ack_pending"] as const) {
    if ((have[field] ?? undefined) !== (wanted[field] ?? undefined)) Object.assign(changes, { [field]: wanted[field] });
  }
  if (have.filter_subject || JSON.stringify(have.filter_subjects) !== JSON.stringify(wanted.filter_subjects)) {
    Object.assign(changes, { filter_subject: undefined, filter_subjects: wanted.filter_subjects });
  }
  // A server-side backoff would add to the consumer's nak delay: earlier versions set one.
  if (have.backoff?.length) Object.assign(changes, { backoff: undefined });
  if (have.metadata?.[REDELIVERY_METADATA] !== wanted.metadata?.[REDELIVERY_METADATA]) {
    // The server keeps its own `_nats.*` entries; it sets them again itself.
    const kept = Object.entries(have.metadata ?? {}).filter(([key]) => !key.startsWith("_nats"));
    changes.metadata = { ...Object.fromEntries(kept), ...wanted.metadata };
  }
  if (Object.keys(changes).length === 0) return { kind: "consumer", name, outcome: "unchanged" };
  await jsm.consumers.update(stream, target.consumer, changes).catch((error: unknown) => {
    throw new ImmutableSettingError(`consumer ${name}: NATS refused to update ${Object.keys(changes).join(", ")}: ${(error as Error).message}`, { cause: error });
  });
  return { kind: "consumer", name, outcome: "updated" };
}

/** Everything provisioning needs; every part but the topology has the platform's default. */
export interface ProvisionOptions {
  namespace?: EventNamespace;
  /** The streams and consumers to provision, e.g. the manifest. */
  topology: EventTopology;
  streams?: StreamSettings;
  consumers?: ConsumerSettings;
}

/** Provisions every stream (and the dead-letter stream) and every consumer of a topology. */
export async function provisionEvents(jsm: JetStreamManager, options: ProvisionOptions): Promise<ProvisionResult[]> {
  const namespace = options.namespace ?? EventNamespace.root;
  const { topology } = options;
  const results: ProvisionResult[] = [];
  for (const service of topology.producers) results.push(await ensureStream(jsm, namespace, service, options.streams));
  results.push(await ensureDeadLetterStream(jsm, namespace, options.streams));
  for (const { service, streams } of topology.consumers) {
    for (const stream of streams) results.push(await ensureConsumer(jsm, namespace, { consumer: service, stream }, options.consumers));
  }
  return results;
}

function streamConfig(name: string, subjects: string[], description: string, settings: StreamSettings): Partial<StreamConfig> {
  return {
    name,
    description,
    subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(settings.maxAgeMs),
    duplicate_window: nanos(settings.duplicateWindowMs),
    max_bytes: settings.maxBytes,
    max_msg_size: settings.maxMsgSize,
    num_replicas: settings.replicas,
  };
}

function consumerConfig(namespace: EventNamespace, target: ConsumerTarget, settings: ConsumerSettings): ConsumerConfig {
  const { backoffMs, maxDeliver } = settings;
  if (backoffMs.length > 0 && maxDeliver !== -1 && maxDeliver <= backoffMs.length) {
    throw new Error(`consumer ${target.consumer}: maxDeliver (${maxDeliver}) must be greater than the number of backoff steps (${backoffMs.length})`);
  }
  const events = target.filter ?? `${target.stream}.>`;
  return {
    durable_name: target.consumer,
    description: `${target.consumer} reading ${target.stream} events`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    // The events, and the replays of dead letters meant for this consumer alone.
    filter_subjects: [namespace.subject(events), namespace.replaySubject(target.consumer, events)],
    ack_wait: nanos(settings.ackWaitMs),
    // One spare delivery beyond the handler's attempts: if a consumer dies during the last
    // attempt, NATS delivers once more and the consumer dead-letters the event instead of NATS
    // silently giving up on it.
    max_deliver: maxDeliver === -1 ? -1 : maxDeliver + 1,
    max_ack_pending: settings.maxAckPending,
    metadata: { [REDELIVERY_METADATA]: backoffMs.join(",") },
  };
}

async function reconcileStream(jsm: JetStreamManager, wanted: Partial<StreamConfig>): Promise<ProvisionResult> {
  const name = wanted.name!;
  const existing = await jsm.streams.info(name).catch(notFoundAs(undefined));
  if (!existing) {
    await jsm.streams.add(wanted).catch((error: unknown) => {
      throw new Error(`cannot create stream ${name} on ${wanted.subjects?.join(", ")}: ${(error as Error).message}`, { cause: error });
    });
    return { kind: "stream", name, outcome: "created" };
  }
  const have = existing.config;
  for (const field of ["storage", "retention"] as const) {
    if (have[field] !== wanted[field]) {
      throw new ImmutableSettingError(`stream ${name}: ${field} cannot be changed from ${have[field]} to ${wanted[field]}; move its messages to a new stream instead`);
    }
  }
  const changes: Partial<StreamConfig> = {};
  for (const field of ["description", "discard", "max_age", "duplicate_window", "max_bytes", "max_msg_size", "num_replicas"] as const) {
    if ((have[field] ?? undefined) !== wanted[field]) Object.assign(changes, { [field]: wanted[field] });
  }
  if (JSON.stringify(have.subjects) !== JSON.stringify(wanted.subjects)) changes.subjects = wanted.subjects;
  if (Object.keys(changes).length === 0) return { kind: "stream", name, outcome: "unchanged" };
  await jsm.streams.update(name, changes).catch((error: unknown) => {
    throw new ImmutableSettingError(`stream ${name}: NATS refused to update ${Object.keys(changes).join(", ")}: ${(error as Error).message}`, { cause: error });
  });
  return { kind: "stream", name, outcome: "updated" };
}

/** The JetStream API error code of `error` (e.g. 10059 stream not found), if it is one. */
export function apiErrorCode(error: unknown): number | undefined {
  return (error as { api_error?: { err_code?: number } })?.api_error?.err_code;
}

function notFoundAs<T>(value: T): (error: unknown) => T {
  return (error) => {
    // 10059 stream not found, 10014 consumer not found.
    const code = apiErrorCode(error);
    if (code === 10059 || code === 10014) return value;
    throw error;
  };
}
