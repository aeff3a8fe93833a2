// `npm run events -- <command>`: shows streams and consumers, provisions them, and lists,
// inspects and replays dead letters. scripts/events.ts is a thin wrapper around this.
import { parseArgs } from "node:util";
import type { NatsConnection } from "nats";
import { DeadLetters, type DeadLetter } from "./dead-letters.js";
import { junctionEventSchemas, redactSensitive } from "./event-types.js";
import { EventNamespace } from "./namespace.js";
import { connectNats, eventsConfig } from "./nats.js";
import { provisionEvents } from "./provisioning.js";

/** Where the command writes. */
export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: npm run events -- <command> [options]

commands:
  streams                       streams and consumers with their state
  provision                     create or update every stream and consumer (idempotent)
  dlq list [--consumer c] [--limit n]
                                dead letters, oldest first
  dlq show <seq> [--reveal]     one dead letter: why it failed, headers, body (secrets redacted unless --reveal)
  dlq replay <seq>... [--keep]  publish dead letters to their original subject again, then remove them
  dlq replay --all [--consumer c] [--keep]

options:
  --url <nats-url>              default NATS_URL or nats://127.0.0.1:4222
  --prefix <prefix>             an isolated namespace (default JUNCTION_EVENTS_PREFIX, none)`;

const consoleOutput: CommandOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** Runs one events command with `args` (what follows `npm run events --`); resolves to the exit code. */
export async function runEventsCommand(args: string[], io: CommandOutput = consoleOutput, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        prefix: { type: "string" },
        consumer: { type: "string" },
        limit: { type: "string" },
        all: { type: "boolean", default: false },
        keep: { type: "boolean", default: false },
        reveal: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: flags, positionals } = parsed;
  const [command, sub, ...rest] = positionals;
  if (flags.help || !command) {
    io.out(USAGE);
    return flags.help ? 0 : 2;
  }
  const known = command === "streams" || command === "provision" || (command === "dlq" && ["list", "show", "replay"].includes(sub ?? ""));
  if (!known) {
    io.err(`unknown command: ${positionals.join(" ")}\n\n${USAGE}`);
    return 2;
  }

  let nc: NatsConnection | undefined;
  try {
    const config = eventsConfig(env);
    const namespace = new EventNamespace(flags.prefix ?? config.prefix);
    nc = await connectNats({ url: flags.url ?? config.natsUrl, name: "junction-events-cli" });
    if (command === "streams") await showStreams(nc, namespace, io);
    else if (command === "provision") {
      for (const result of await provisionEvents(await nc.jetstreamManager(), { namespace })) io.out(`${result.kind} ${result.name}: ${result.outcome}`);
    } else {
      const letters = new DeadLetters(nc, namespace);
      if (sub === "list") listDeadLetters(await letters.list({ consumer: flags.consumer, limit: flags.limit ? Number(flags.limit) : undefined }), io);
      else if (sub === "show") showDeadLetter(await letters.get(sequence(rest[0])), flags.reveal, io);
      else if (flags.all) {
        const replayed = await letters.replayAll({ consumer: flags.consumer, keep: flags.keep });
        for (const r of replayed) io.out(`replayed ${r.seq} → ${r.subject} (stream seq ${r.streamSequence})${r.removed ? ", removed" : ""}`);
        io.out(`${replayed.length} dead letter(s) replayed`);
      } else {
        if (rest.length === 0) throw new Error("dlq replay needs a sequence (or --all)");
        for (const seq of rest.map(sequence)) {
          const r = await letters.replay(seq, { keep: flags.keep });
          io.out(`replayed ${r.seq} → ${r.subject} (stream seq ${r.streamSequence})${r.removed ? ", removed" : ""}`);
        }
      }
    }
    return 0;
  } catch (error) {
    io.err((error as Error).message);
    return 1;
  } finally {
    await nc?.close().catch(() => {});
  }
}

async function showStreams(nc: NatsConnection, namespace: EventNamespace, io: CommandOutput): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const streams = [];
  for await (const stream of jsm.streams.list()) if (namespace.ownsStream(stream.config.name)) streams.push(stream);
  streams.sort((a, b) => a.config.name.localeCompare(b.config.name));
  for (const { config, state } of streams) {
    io.out(
      `${config.name}  subjects=${config.subjects?.join(",")}  messages=${state.messages}  bytes=${state.bytes}  ` +
        `seq=${state.first_seq}..${state.last_seq}  max_age=${days(config.max_age)}d  dedupe=${(config.duplicate_window ?? 0) / 1e9}s  storage=${config.storage}`,
    );
    const consumers = [];
    for await (const consumer of jsm.consumers.list(config.name)) consumers.push(consumer);
    consumers.sort((a, b) => a.name.localeCompare(b.name));
    for (const consumer of consumers) {
      const c = consumer.config;
      io.out(
        `  consumer ${consumer.name}  pending=${consumer.num_pending}  ack_pending=${consumer.num_ack_pending}  ` +
          `redelivered=${consumer.num_redelivered}  delivered=${consumer.delivered.stream_seq}  acked=${consumer.ack_floor.stream_seq}  ` +
          `max_deliver=${c.max_deliver}  backoff=${(c.backoff ?? []).map((ns) => `${ns / 1e6}ms`).join(",") || "none"}  filter=${c.filter_subject ?? ""}`,
      );
    }
  }
  if (streams.length === 0) io.out(`no streams${namespace.prefix ? ` with prefix ${namespace.prefix}` : ""}; create them with: npm run events -- provision`);
}

function listDeadLetters(letters: DeadLetter[], io: CommandOutput): void {
  if (letters.length === 0) {
    io.out("no dead letters");
    return;
  }
  io.out(["SEQ", "TIME", "CONSUMER", "TYPE", "EVENT ID", "DELIVERIES", "ERROR"].join("\t"));
  for (const l of letters) {
    io.out([l.seq, l.time.toISOString(), l.consumer, l.type ?? "?", l.eventId ?? "?", l.deliveries, l.error].join("\t"));
  }
}

function showDeadLetter(letter: DeadLetter, reveal: boolean, io: CommandOutput): void {
  io.out(`dead letter ${letter.seq} at ${letter.time.toISOString()}`);
  io.out(`  consumer:   ${letter.consumer}`);
  io.out(`  original:   ${letter.stream} seq ${letter.streamSequence} on ${letter.originalSubject}`);
  io.out(`  deliveries: ${letter.deliveries}`);
  io.out(`  error:      ${letter.error}`);
  io.out("headers:");
  for (const [name, value] of letter.headers) io.out(`  ${name}: ${value}`);
  io.out("body:");
  let body: unknown;
  try {
    body = JSON.parse(letter.data);
  } catch {
    io.out(letter.data);
    return;
  }
  const schema = letter.type ? junctionEventSchemas.get(letter.type) : undefined;
  io.out(JSON.stringify(schema && !reveal ? redactSensitive(schema, body) : body, null, 2));
}

function sequence(text: string | undefined): number {
  const seq = Number(text);
  if (!text || !Number.isInteger(seq) || seq <= 0) throw new Error(`not a dead-letter sequence: ${text ?? "(none)"}`);
  return seq;
}

function days(nanos: number | undefined): number {
  return Math.round(((nanos ?? 0) / 1e9 / 86_400) * 100) / 100;
}
