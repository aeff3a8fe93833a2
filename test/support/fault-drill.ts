// One fault drill under a steady stream of registrations through the edge: the stream flows,
// the fault is injected, held, undone; the stream goes on until a registration succeeds again,
// then stops; every committed registration's effects must then arrive, each exactly once. The
// outcome is measured, not asserted here: the fault suite asserts it, the soak prints it.
import { setTimeout as sleep } from "node:timers/promises";
import { type AuditAdmin, type ChainVerdict, verifyAuditChain } from "./audit-chain.js";
import { improperAnswer, tallyAnswers } from "./edge-answers.js";
import type { FaultDeployment } from "./fault-deployment.js";
import { deadLetters } from "./poison-event.js";
import { allEffectsOnce, checkEffects, type EffectsCheck } from "./registration-effects.js";
import type { RegistrationTraffic } from "./registration-traffic.js";

/** A fault: how it is injected and undone. */
export interface Fault {
  readonly name: string;
  inject(): Promise<void>;
  /** Resolves when the fault has been held long enough (by default `holdMs`). */
  hold?(): Promise<void>;
  recover(): Promise<void>;
}

/** How long things may take, from the start of the recovery (the restart). */
export interface DrillBounds {
  /** Traffic before the fault, and at least until a registration succeeds after it. */
  readonly warmMs: number;
  /** How long a fault lasts unless it says otherwise. */
  readonly holdMs: number;
  /** Traffic after the first success following the recovery. */
  readonly tailMs: number;
  /** The first successful registration after the restart began. */
  readonly firstSuccessMs: number;
  /** Every committed registration's effects, each once, after the restart began. */
  readonly caughtUpMs: number;
}

/** The bounds the fault suite states (docs/events.md, "Faults, measured"). */
export const FAULT_BOUNDS: DrillBounds = { warmMs: 1500, holdMs: 3000, tailMs: 1500, firstSuccessMs: 60_000, caughtUpMs: 90_000 };

/** What one drill measured. */
export interface FaultOutcome {
  readonly fault: string;
  /** Registrations sent during the drill: before the fault, during it, and until the stream stopped. */
  readonly attempted: number;
  /** Accounts committed meanwhile (auth's database), answered or not. */
  readonly committed: number;
  /** Every committed registration so far, the drill's and earlier ones. */
  readonly committedTotal: number;
  /** Effects missing once the wait was over (0 when caught up). */
  readonly lost: number;
  readonly duplicated: number;
  /** Dead letters made during the drill. */
  readonly deadLettered: number;
  /** The drill's answers by status (5xx by code and reason). */
  readonly answers: Record<string, number>;
  /** Answers that break the failure semantics (a 500, a non-JSON error, a hang, ...). */
  readonly improper: string[];
  /** How long the restart itself took (a service process: until its /readyz said ready). */
  readonly restartMs: number;
  /** From the restart's start to the first 200 of a registration sent after it; undefined if none came in time. */
  readonly firstSuccessMs?: number;
  /** From the restart's start to every effect present once; undefined if not in time. */
  readonly caughtUpMs?: number;
  /** The slowest answer of the drill. */
  readonly slowestAnswerMs: number;
  readonly effects: EffectsCheck;
  readonly chain: ChainVerdict;
  /** Service processes that died on their own. */
  readonly crashes: string[];
}

/** Runs `fault` under `traffic` against `deployment` and measures what happened. */
export async function runFaultDrill(deployment: FaultDeployment, traffic: RegistrationTraffic, admin: AuditAdmin, fault: Fault, bounds: DrillBounds = FAULT_BOUNDS): Promise<FaultOutcome> {
  const { env } = deployment.platform;
  const accountsBefore = await countAccounts(deployment);
  const lettersBefore = (await deadLetters(env)).length;
  const startedAt = Date.now();
  traffic.start();
  await until(() => traffic.firstSuccessSince(startedAt) !== undefined, 30_000, "a registration to succeed before the fault");
  await sleep(bounds.warmMs);

  await fault.inject();
  await (fault.hold ? fault.hold() : sleep(bounds.holdMs));
  const restartAt = Date.now();
  await fault.recover();
  const restartMs = Date.now() - restartAt;
  const firstSuccess = await until(() => traffic.firstSuccessSince(restartAt), bounds.firstSuccessMs, "").catch(() => undefined);
  if (firstSuccess) await sleep(bounds.tailMs);
  await traffic.stop();

  let effects = await checkEffects(deployment, traffic.attempts);
  while (!allEffectsOnce(effects) && Date.now() - restartAt < bounds.caughtUpMs) {
    await sleep(500);
    effects = await checkEffects(deployment, traffic.attempts);
  }
  const caughtUpAt = allEffectsOnce(effects) ? Date.now() : undefined;
  const drill = traffic.since(startedAt);
  const kinds = [effects.outbox, effects.profiles, effects.auditEntries, effects.emails];
  return {
    fault: fault.name,
    attempted: drill.length,
    committed: effects.committed - accountsBefore,
    committedTotal: effects.committed,
    lost: effects.answeredButMissing.length + kinds.reduce((n, k) => n + k.missing.length, 0),
    duplicated: kinds.reduce((n, k) => n + k.duplicated.length + k.strays.length, 0),
    deadLettered: (await deadLetters(env)).length - lettersBefore,
    answers: tallyAnswers(drill),
    improper: drill.map(improperAnswer).filter((why): why is string => why !== undefined),
    restartMs,
    firstSuccessMs: firstSuccess && firstSuccess.answeredAt - restartAt,
    caughtUpMs: caughtUpAt && caughtUpAt - restartAt,
    slowestAnswerMs: Math.max(0, ...drill.map((a) => a.answeredAt - a.sentAt)),
    effects,
    chain: await verifyAuditChain(deployment, admin),
    crashes: deployment.crashes(),
  };
}

async function countAccounts(deployment: FaultDeployment): Promise<number> {
  const [row] = await deployment.platform.query<{ n: string }>("auth", "SELECT count(*) AS n FROM users");
  return Number(row!.n);
}

/** Polls `probe` every 100 ms until it returns something truthy; rejects after `timeoutMs`. */
async function until<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
