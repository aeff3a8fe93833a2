// `npm run events -- <command>`: shows streams and consumers, provisions them, shows each
// service's outbox, and lists, inspects and replays dead letters. Every command prints text, or
// one JSON document with --json. scripts/events.ts is a thin wrapper around this.
import { parseArgs } from "node:util";
import type { NatsConnection } from "nats";
import { deadLetterReport, deadLettersReport, replayedReport } from "./cli-dead-letters.js";
import { consoleOutput, printReport, type CommandOutput, type Report } from "./cli-output.js";
import { outboxReport } from "./cli-outbox.js";
import { streamsReport } from "./cli-streams.js";
import { loadJunction } from "../junction.js";
import { connectNats, DeadLetters, defaultStreamSettings, describeError, EventNamespace, eventsConfig, provisionEvents } from "@junction/platform";

export type { CommandOutput } from "./cli-output.js";

const USAGE = `usage: npm run events -- <command> [options]

commands:
  streams                       streams and consumers: pending events, lag (age of the oldest), policy
  provision                     create or update every stream and consumer (idempotent)
  outbox                        each service's unsent outbox rows and the age of the oldest, from its database
  dlq list [--consumer c] [--limit n]
                                dead letters, oldest first (tab-separated; the error column in full)
  dlq show <seq> [--reveal]     one dead letter: why it failed, headers, body (secrets redacted unless --reveal)
  dlq replay <seq>... [--keep]  publish dead letters again to the consumer that failed, only; then remove them
  dlq replay --all [--consumer c] [--keep]

options:
  --json                        one JSON document instead of text
  --url <nats-url>              default NATS_URL or nats://127.0.0.1:4222
  --prefix <prefix>             an isolated namespace (default JUNCTION_EVENTS_PREFIX, none)

outbox reads the databases the services use: JUNCTION_<SERVICE>_DATABASE_URL, else DATABASE_URL
with the database junction_<service>.`;

type Flags = { url?: string; prefix?: string; consumer?: string; limit?: string; all: boolean; keep: boolean; reveal: boolean; json: boolean };

/** Runs one events command with `args` (what follows `npm run events --`); resolves to the exit code. */
export async function runEventsCommand(args: string[], io: CommandOutput = consoleOutput(), env: NodeJS.ProcessEnv = process.env): Promise<number> {
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
        json: { type: "boolean", default: false },
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
  const known = ["streams", "provision", "outbox"].includes(command) || (command === "dlq" && ["list", "show", "replay"].includes(sub ?? ""));
  if (!known) {
    io.err(`unknown command: ${positionals.join(" ")}\n\n${USAGE}`);
    return 2;
  }
  try {
    if (command === "outbox") {
      const report = await outboxReport(loadJunction(env).manifest, env);
      printReport(report, flags.json, io);
      return report.failed ? 1 : 0;
    }
    printReport(await withNats(flags, env, (nc, namespace) => natsCommand(nc, namespace, env, command, sub, rest, flags)), flags.json, io);
    return 0;
  } catch (error) {
    io.err(flags.json ? JSON.stringify({ error: describeError(error) }) : describeError(error));
    return 1;
  }
}

async function withNats<T>(flags: Flags, env: NodeJS.ProcessEnv, run: (nc: NatsConnection, namespace: EventNamespace) => Promise<T>): Promise<T> {
  const config = eventsConfig(env);
  const namespace = new EventNamespace(flags.prefix ?? config.prefix);
  const nc = await connectNats({ url: flags.url ?? config.natsUrl, name: "junction-events-cli" });
  try {
    return await run(nc, namespace);
  } finally {
    await nc.close().catch(() => {});
  }
}

async function natsCommand(
  nc: NatsConnection,
  namespace: EventNamespace,
  env: NodeJS.ProcessEnv,
  command: string,
  sub: string | undefined,
  rest: string[],
  flags: Flags,
): Promise<Report> {
  if (command === "streams") return streamsReport(nc, namespace);
  if (command === "provision") {
    const streams = { ...defaultStreamSettings, replicas: eventsConfig(env).replicas };
    const results = await provisionEvents(await nc.jetstreamManager(), { namespace, topology: loadJunction(env).manifest, streams });
    return { data: { results }, text: results.map((r) => `${r.kind} ${r.name}: ${r.outcome}`) };
  }
  const letters = new DeadLetters(nc, namespace);
  if (sub === "list") return deadLettersReport(await letters.list({ consumer: flags.consumer, limit: flags.limit ? Number(flags.limit) : undefined }));
  if (sub === "show") return deadLetterReport(await letters.get(sequence(rest[0])), loadJunction(env).contracts.eventSchemas(), flags.reveal);
  if (flags.all) return replayedReport(await letters.replayAll({ consumer: flags.consumer, keep: flags.keep }), true);
  if (rest.length === 0) throw new Error("dlq replay needs a sequence (or --all)");
  const replayed = [];
  for (const seq of rest.map(sequence)) replayed.push(await letters.replay(seq, { keep: flags.keep }));
  return replayedReport(replayed, false);
}

function sequence(text: string | undefined): number {
  const seq = Number(text);
  if (!text || !Number.isInteger(seq) || seq <= 0) throw new Error(`not a dead-letter sequence: ${text ?? "(none)"}`);
  return seq;
}
