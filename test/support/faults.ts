// The faults a deployment is put through: a service process killed (SIGKILL, optionally at the
// moment it holds an open database transaction) and started again; an in-process service
// restarted gracefully; NATS, Redis or PostgreSQL crashed and started again on the same port
// with the same data; a poison event fed to the AUTH stream and replayed after its letters came.
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { Dependency, FaultDeployment, FaultService } from "./fault-deployment.js";
import type { Fault } from "./fault-drill.js";
import { deadLetters, publishPoisonEvent, replayDeadLetters } from "./poison-event.js";

/** `name`'s process killed with `signal` (SIGKILL by default: a crash), then started again. */
export function killService(deployment: FaultDeployment, name: FaultService, options: { signal?: NodeJS.Signals; midTransaction?: boolean } = {}): Fault {
  const signal = options.signal ?? "SIGKILL";
  return {
    name: `${name} killed (${signal}${options.midTransaction ? ", mid-transaction" : ""})`,
    inject: async () => {
      if (options.midTransaction) await untilTransactionOpen(deployment, name);
      await deployment.service(name).kill(signal);
    },
    recover: () => deployment.service(name).restart(),
  };
}

/** `name` (in-process) stopped gracefully and started again. */
export function restartGracefully(deployment: FaultDeployment, name: FaultService): Fault {
  return { name: `${name} restarted gracefully`, inject: async () => {}, hold: async () => {}, recover: () => deployment.restartInProcess(name) };
}

/** `dependency` crashed (SIGKILL; PostgreSQL's immediate stop) and started again. */
export function crashDependency(deployment: FaultDeployment, dependency: Dependency): Fault {
  const names = { nats: "NATS", postgres: "PostgreSQL", redis: "Redis" };
  return { name: `${names[dependency]} crashed`, inject: () => deployment.crash(dependency), recover: () => deployment.recover(dependency) };
}

/** Consumers that dead-letter the poison event: those with a handler for auth.user.created (notifications has none and skips it). */
export const POISONED_CONSUMERS = ["audit", "users"] as const;

/** A poison event on AUTH, held until its dead letters are there, then replayed to the consumers that failed (which dead-letter it again). */
export function poisonEvent(deployment: FaultDeployment, seen: { eventId?: string } = {}): Fault {
  const { env } = deployment.platform;
  const lettersOf = async (id: string) => (await deadLetters(env)).filter((l) => l.eventId === id);
  const untilLettered = async (count: number, previous: readonly number[]) => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
      const letters = (await lettersOf(seen.eventId!)).filter((l) => !previous.includes(l.seq));
      if (letters.length >= count) return letters;
    }
    throw new Error("the poison event was not dead-lettered in time");
  };
  let first: number[] = [];
  return {
    name: "poison event (undecodable body) and its replay",
    inject: async () => void (seen.eventId = await publishPoisonEvent(env)),
    hold: async () => void (first = (await untilLettered(POISONED_CONSUMERS.length, [])).map((l) => l.seq)),
    recover: async () => {
      await replayDeadLetters(env);
      await untilLettered(POISONED_CONSUMERS.length, first);
    },
  };
}

/** Resolves the moment `name`'s database has a transaction open that has written (an xid) and not yet ended. */
async function untilTransactionOpen(deployment: FaultDeployment, name: FaultService): Promise<void> {
  const url = new URL(deployment.platform.databaseUrl(name));
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const { rows } = await client.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL LIMIT 1",
        [url.pathname.slice(1)],
      );
      if (rows.length > 0) return;
    }
    throw new Error(`no transaction of ${name} seen open within 30 s`);
  } finally {
    await client.end();
  }
}
