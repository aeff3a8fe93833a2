// How `npm run events` writes: every command produces a report that prints as text lines or, with
// --json, as one JSON document. Output piped into `head` ends quietly when the reader goes away.

/** Where a command writes. */
export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

/** A command's result: the data (printed by --json) and its text form. */
export interface Report {
  readonly data: unknown;
  readonly text: readonly string[];
}

let stdout: CommandOutput | undefined;

/** The process's stdout and stderr; once the reader of stdout is gone (EPIPE), further output is dropped. */
export function consoleOutput(): CommandOutput {
  if (stdout) return stdout;
  let readerGone = false;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    // `npm run events -- dlq list | head`: head has read enough. Not an error of ours.
    if (error.code === "EPIPE") readerGone = true;
    else throw error;
  });
  stdout = {
    out: (line) => void (readerGone || process.stdout.write(`${line}\n`)),
    err: (line) => void process.stderr.write(`${line}\n`),
  };
  return stdout;
}

/** Prints `report` as JSON (`json`) or as its text lines. */
export function printReport(report: Report, json: boolean, io: CommandOutput): void {
  if (json) io.out(JSON.stringify(report.data, null, 2));
  else for (const line of report.text) io.out(line);
}

/** An age for people: "0s", "850ms", "42s", "3m12s", "2h05m", "3d04h". */
export function ageText(ms: number): string {
  if (ms < 1000) return ms <= 0 ? "0s" : `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}
