// A local run keeps its processes up: one that exits on its own (a crash, a killed process) is
// started again after a pause that doubles with each crash in a row (1 s up to 30 s), and the
// count starts over once it has stayed up a minute. Each restart is logged; a stop ends it all.
import type { PlatformProcess } from "./service-process.js";

const FIRST_PAUSE_MS = 1_000;
const LONGEST_PAUSE_MS = 30_000;
const STABLE_AFTER_MS = 60_000;

/** One supervised process: the current child, and how to stop it for good. */
export interface Supervised {
  readonly name: string;
  current(): PlatformProcess;
  /** Stops restarting and signals the current child; resolves when it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Kills the current child at once (after a grace period ran out). */
  kill(): void;
}

/**
 * Starts `start()` and restarts it whenever it exits on its own; `log` says what happened. While
 * `shuttingDown()` says the whole run is stopping, an exit is expected (a signal to the process
 * group reaches every child at once), so it is neither logged as a crash nor restarted.
 */
export function keepRunning(name: string, start: () => PlatformProcess, log: (line: string) => void, afterRestart?: (process: PlatformProcess) => void, shuttingDown: () => boolean = () => false): Supervised {
  let child = start();
  let stopping = false;
  let crashes = 0;
  let pause: NodeJS.Timeout | undefined;
  const watch = (process: PlatformProcess) => {
    const startedAt = Date.now();
    void process.exited.then((code) => {
      if (stopping || shuttingDown()) return;
      crashes = Date.now() - startedAt > STABLE_AFTER_MS ? 1 : crashes + 1;
      const waitMs = Math.min(FIRST_PAUSE_MS * 2 ** (crashes - 1), LONGEST_PAUSE_MS);
      log(`${name} exited unexpectedly (code ${code}); restarting it in ${waitMs / 1000} s (crash ${crashes} in a row)`);
      pause = setTimeout(() => {
        if (stopping || shuttingDown()) return;
        child = start();
        watch(child);
        afterRestart?.(child);
      }, waitMs);
    });
  };
  watch(child);
  return {
    name,
    current: () => child,
    async stop(signal = "SIGTERM") {
      stopping = true;
      clearTimeout(pause);
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill(signal);
      await child.exited;
    },
    kill: () => void child.child.kill("SIGKILL"),
  };
}
