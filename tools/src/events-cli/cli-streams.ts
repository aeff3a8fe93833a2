// `npm run events -- streams`: every stream of the namespace with its limits, and each durable
// consumer with its backlog (pending events and how old the oldest is) and redelivery policy.
import type { NatsConnection } from "nats";
import { ageText, type Report } from "./cli-output.js";
import { consumerLagOf, type EventNamespace, REDELIVERY_METADATA } from "@junction/platform";

/** The streams report. */
export async function streamsReport(nc: NatsConnection, namespace: EventNamespace): Promise<Report> {
  const jsm = await nc.jetstreamManager();
  const infos = [];
  for await (const stream of jsm.streams.list()) if (namespace.ownsStream(stream.config.name)) infos.push(stream);
  infos.sort((a, b) => a.config.name.localeCompare(b.config.name));
  const streams = [];
  for (const { config, state } of infos) {
    const consumers = [];
    for await (const consumer of jsm.consumers.list(config.name)) {
      const lag = await consumerLagOf(jsm, consumer);
      consumers.push({
        name: consumer.name,
        pending: lag.pending,
        lagSeconds: lag.oldestPendingAgeMs / 1000,
        ackPending: consumer.num_ack_pending,
        redelivered: consumer.num_redelivered,
        deliveredSeq: consumer.delivered.stream_seq,
        ackedSeq: consumer.ack_floor.stream_seq,
        maxDeliver: consumer.config.max_deliver,
        backoffMs: (consumer.config.metadata?.[REDELIVERY_METADATA] ?? "").split(",").filter(Boolean).map(Number),
        leaseMs: (consumer.config.ack_wait ?? 0) / 1e6,
        filters: consumer.config.filter_subjects ?? (consumer.config.filter_subject ? [consumer.config.filter_subject] : []),
      });
    }
    consumers.sort((a, b) => a.name.localeCompare(b.name));
    streams.push({
      name: config.name,
      subjects: config.subjects ?? [],
      messages: state.messages,
      bytes: state.bytes,
      firstSeq: state.first_seq,
      lastSeq: state.last_seq,
      maxAgeSeconds: (config.max_age ?? 0) / 1e9,
      duplicateWindowSeconds: (config.duplicate_window ?? 0) / 1e9,
      storage: config.storage,
      replicas: config.num_replicas,
      consumers,
    });
  }
  const text = streams.flatMap((s) => [
    `${s.name}  subjects=${s.subjects.join(",")}  messages=${s.messages}  bytes=${s.bytes}  seq=${s.firstSeq}..${s.lastSeq}  ` +
      `max_age=${ageText(s.maxAgeSeconds * 1000)}  dedupe=${ageText(s.duplicateWindowSeconds * 1000)}  storage=${s.storage}  replicas=${s.replicas}`,
    ...s.consumers.map(
      (c) =>
        `  consumer ${c.name}  pending=${c.pending}  lag=${ageText(c.lagSeconds * 1000)}  ack_pending=${c.ackPending}  redelivered=${c.redelivered}  ` +
        `delivered=${c.deliveredSeq}  acked=${c.ackedSeq}  max_deliver=${c.maxDeliver}  backoff=${c.backoffMs.map(ageText).join(",") || "none"}  ` +
        `lease=${ageText(c.leaseMs)}  filter=${c.filters.join(",")}`,
    ),
  ]);
  if (streams.length === 0) text.push(`no streams${namespace.prefix ? ` with prefix ${namespace.prefix}` : ""}; create them with: npm run events -- provision`);
  return { data: { streams }, text };
}
