// Child processes of a local run that cannot outlive it. On Linux each child is started through
// util-linux's setpriv with a parent-death signal: when the process that spawned it ends in any
// way (SIGKILL included, where it has no chance to stop its children), the kernel sends the child
// SIGTERM and the child shuts down as on Ctrl-C. Elsewhere children are spawned as they are.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync } from "node:fs";

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((path) => process.platform === "linux" && existsSync(path));

/** Spawns `command` with `args`, to receive SIGTERM when this process ends (where the platform allows it). */
export function spawnTied(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  // setpriv sets the signal, then execs the command: the child keeps the pid spawn() reports.
  return SETPRIV ? spawn(SETPRIV, ["--pdeathsig", "TERM", "--", command, ...args], options) : spawn(command, args, options);
}
