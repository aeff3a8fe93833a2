// What every fault drill must show: no process died on its own, every answer a 200 or a proper
// 503/504 (never a 500, never a hang), every committed registration's effects exactly once,
// the expected dead letters only, an audit chain that verifies, and recovery within the bounds.
import type { ExecutionContext } from "ava";
import { FAULT_BOUNDS, type FaultOutcome } from "./fault-drill.js";
import { outcomeRow } from "./fault-report.js";
import { describeEffects } from "./registration-effects.js";

/** What a particular fault is allowed. */
export interface Expected {
  /** Dead letters the fault itself makes (the poison event's); 0 otherwise. */
  readonly deadLettered?: number;
  /** The fault is off the registration's path (a consumer, NATS, Redis): every answer must be 200. */
  readonly everyAnswerOk?: boolean;
}

/** Asserts `outcome` against the suite's rules and logs its row of the table. */
export function assertRecovered(t: ExecutionContext, outcome: FaultOutcome, expected: Expected = {}): void {
  t.log(outcomeRow(outcome));
  t.log(`slowest answer ${outcome.slowestAnswerMs} ms`);
  t.deepEqual(outcome.crashes, [], "no service process died on its own");
  t.deepEqual(outcome.improper.slice(0, 5), [], `every answer a 200 or a 503/504 in the platform's shape (${outcome.improper.length} not)`);
  t.false(Object.keys(outcome.answers).some((key) => key.startsWith("5") && !/^50[34] /.test(key)), `no other 5xx: ${JSON.stringify(outcome.answers)}`);
  if (expected.everyAnswerOk) t.deepEqual(Object.keys(outcome.answers), ["200"], `every registration answered 200: ${JSON.stringify(outcome.answers)}`);
  t.true(outcome.attempted > 0 && outcome.committed > 0, "registrations went through during the drill");
  t.is(outcome.lost, 0, `nothing lost: ${describeEffects(outcome.effects)}`);
  t.is(outcome.duplicated, 0, `nothing duplicated: ${describeEffects(outcome.effects)}`);
  t.is(outcome.deadLettered, expected.deadLettered ?? 0, "dead letters");
  t.true(outcome.chain.valid, `the audit chain verifies: ${outcome.chain.reason}`);
  t.true(outcome.chain.entriesChecked > 0);
  t.not(outcome.firstSuccessMs, undefined, `a registration succeeded within ${FAULT_BOUNDS.firstSuccessMs / 1000} s of the restart`);
  t.not(outcome.caughtUpMs, undefined, `every effect arrived within ${FAULT_BOUNDS.caughtUpMs / 1000} s of the restart`);
}
