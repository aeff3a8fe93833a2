// Fault drill outcomes as the rows of docs/events.md's "Faults, measured" table, for the suite's
// log and the soak's report.
import type { FaultOutcome } from "./fault-drill.js";

/** The table's header: a Markdown table. */
export const OUTCOME_HEADER = [
  "| fault | registrations attempted / committed | lost | duplicated | dead-lettered | HTTP answers | restart took | first success after restart | all effects after restart |",
  "|---|---|---|---|---|---|---|---|---|",
].join("\n");

/** One outcome as a row of the table. */
export function outcomeRow(outcome: FaultOutcome): string {
  const seconds = (ms: number | undefined) => (ms === undefined ? "not in time" : `${(ms / 1000).toFixed(1)} s`);
  const answers = Object.entries(outcome.answers)
    .map(([key, n]) => `${key}: ${n}`)
    .join(", ");
  return `| ${outcome.fault} | ${outcome.attempted} / ${outcome.committed} | ${outcome.lost} | ${outcome.duplicated} | ${outcome.deadLettered} | ${answers} | ${seconds(outcome.restartMs)} | ${seconds(outcome.firstSuccessMs)} | ${seconds(outcome.caughtUpMs)} |`;
}
