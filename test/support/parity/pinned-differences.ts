// The differences between the two edges that docs/edge.md lists, read from its "Pinned
// differences" table: each row names cases (in backticks) and the outcome paths in which they
// differ (in backticks), then why. The parity test compares this list with what it measures,
// so the documentation cannot drift from the behaviour.
import { readFileSync } from "node:fs";

/** The heading the table sits under. */
export const PINNED_DIFFERENCES_HEADING = "### Pinned differences";

const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);

/** Case name → the sorted paths it differs in, from the table in `markdownPath`. */
export function pinnedDifferences(markdownPath: string): Map<string, string[]> {
  const lines = readFileSync(markdownPath, "utf8").split("\n");
  const start = lines.indexOf(PINNED_DIFFERENCES_HEADING);
  if (start < 0) throw new Error(`${markdownPath} has no "${PINNED_DIFFERENCES_HEADING}" section`);
  const pinned = new Map<string, string[]>();
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("#")) break;
    if (!line.startsWith("| `")) continue;
    const [, cases = "", paths = ""] = line.split("|");
    for (const name of backticked(cases)) {
      if (pinned.has(name)) throw new Error(`${markdownPath}: ${name} is pinned twice`);
      pinned.set(name, backticked(paths).sort());
    }
  }
  return pinned;
}
