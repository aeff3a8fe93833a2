// Reads what the conformance runner prints (with -v): cases per server configuration while it
// runs, then its summary, so `npm run conformance` can report each side in one line.

/** One run of the runner, as counted by the runner itself. */
export interface RunnerReport {
  total: number;
  passed: number;
  failed: number;
  /** Known-failing cases that failed, as the list says they must. */
  knownFailing: number;
  /** Cases per protocol (Connect, gRPC, gRPC-Web), from the per-configuration lines. */
  casesByProtocol: Record<string, number>;
}

const PROTOCOL_NAMES: Record<string, string> = { PROTOCOL_CONNECT: "Connect", PROTOCOL_GRPC: "gRPC", PROTOCOL_GRPC_WEB: "gRPC-Web" };

/** The report in `output`, or undefined when the runner stopped before its summary. */
export function parseRunnerReport(output: string): RunnerReport | undefined {
  const total = /^Total cases: (\d+)$/m.exec(output);
  const counts = /^(\d+) passed, (\d+) failed$/m.exec(output);
  if (!total || !counts) return undefined;
  const casesByProtocol: Record<string, number> = {};
  for (const [, cases, protocol] of output.matchAll(/^Running (\d+) tests with \S+ for server config #\d+ \{HTTP_VERSION_\d, (PROTOCOL_\w+),/gm)) {
    const name = PROTOCOL_NAMES[protocol!] ?? protocol!;
    casesByProtocol[name] = (casesByProtocol[name] ?? 0) + Number(cases);
  }
  return {
    total: Number(total[1]),
    passed: Number(counts[1]),
    failed: Number(counts[2]),
    knownFailing: Number(/^\(Another (\d+) failed as expected/m.exec(output)?.[1] ?? 0),
    casesByProtocol,
  };
}
