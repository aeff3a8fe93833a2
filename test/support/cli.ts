// Running the real command-line clients (grpcurl, the NATS CLI, curl) from tests: exit code and
// output, never a thrown error, so a test can assert on failures too.
import { execFile } from "node:child_process";

/** What a finished command left behind. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file` with `args` (no shell), bounded by `timeoutMs`. */
export function runCommand(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 20_000, cwd: options.cwd, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    // Nothing is typed in: a command that would wait for input (a pager's prompt) reads end of input.
    child.stdin?.end();
  });
}

/** Runs `file` with `args` and returns stdout; throws with the command's output when it fails. */
export async function runOk(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<string> {
  const result = await runCommand(file, args, options);
  if (result.code !== 0) throw new Error(`${file.split("/").pop()} ${args.join(" ")} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}
