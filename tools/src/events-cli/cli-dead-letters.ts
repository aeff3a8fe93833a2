// `npm run events -- dlq ...`: dead letters as a table (the error column whole, never cut), one
// letter in full with sensitive fields redacted, and what a replay did.
import type { Report } from "./cli-output.js";
import type { DescMessage } from "@bufbuild/protobuf";
import { type DeadLetter, redactSensitive, type Replayed } from "@junction/platform";

const COLUMNS = ["SEQ", "TIME", "CONSUMER", "TYPE", "EVENT ID", "DELIVERIES", "ERROR"];

/** Dead letters, oldest first: tab-separated, the error last and in full (as stored, up to 4 KiB). */
export function deadLettersReport(letters: DeadLetter[]): Report {
  const data = letters.map((l) => ({ ...summary(l), error: l.error }));
  if (letters.length === 0) return { data, text: ["no dead letters"] };
  const rows = letters.map((l) => [l.seq, l.time.toISOString(), l.consumer, l.type ?? "?", l.eventId ?? "?", l.deliveries, l.error].join("\t"));
  return { data, text: [COLUMNS.join("\t"), ...rows] };
}

/** One letter in full; `schemas` (the contracts' events) name the sensitive fields to redact unless `reveal`. */
export function deadLetterReport(letter: DeadLetter, schemas: ReadonlyMap<string, DescMessage>, reveal: boolean): Report {
  let body: unknown = letter.data;
  try {
    const parsed: unknown = JSON.parse(letter.data);
    const schema = letter.type ? schemas.get(letter.type) : undefined;
    body = schema && !reveal ? redactSensitive(schema, parsed) : parsed;
  } catch {
    // Not JSON: shown as it is.
  }
  const text = [
    `dead letter ${letter.seq} at ${letter.time.toISOString()}`,
    `  consumer:   ${letter.consumer}`,
    `  original:   ${letter.stream} seq ${letter.streamSequence} on ${letter.originalSubject}`,
    `  deliveries: ${letter.deliveries}`,
    `  error:      ${letter.error}`,
    "headers:",
    ...letter.headers.map(([name, value]) => `  ${name}: ${value}`),
    "body:",
    typeof body === "string" ? body : JSON.stringify(body, null, 2),
  ];
  return { data: { ...summary(letter), error: letter.error, headers: Object.fromEntries(letter.headers), body }, text };
}

/** What replays did. */
export function replayedReport(replayed: Replayed[], all: boolean): Report {
  const text = replayed.map((r) => `replayed ${r.seq} → ${r.consumer} on ${r.subject} (stream seq ${r.streamSequence})${r.removed ? ", removed" : ""}`);
  if (all) text.push(`${replayed.length} dead letter(s) replayed`);
  return { data: { replayed }, text };
}

function summary(l: DeadLetter) {
  return {
    seq: l.seq,
    time: l.time.toISOString(),
    consumer: l.consumer,
    type: l.type,
    eventId: l.eventId,
    deliveries: l.deliveries,
    stream: l.stream,
    streamSequence: l.streamSequence,
    subject: l.originalSubject,
  };
}
