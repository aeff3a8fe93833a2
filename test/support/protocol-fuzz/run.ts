// The protocol fuzz as a fast-check property: every unary method of every service the manifest
// declares, on the port of the service that serves it, in every RPC transport, as an anonymous
// caller, a signed-in user, another service, or both, with generated messages sent as they are or
// broken (frames.ts). Every answer must pass the oracle (answers.ts). Counts are kept by transport
// and by answer, for the report.
import type { DescMessage } from "@bufbuild/protobuf";
import fc from "fast-check";
import { allServices, junction, serviceNames, type ServiceName } from "../junction.js";
import { answerLabel, FuzzClient, violation } from "./answers.js";
import { mutations, TRANSPORTS, wireRequest, type Mutation, type Transport } from "./frames.js";
import { arbitraryMessage } from "./messages.js";
import type { FuzzTarget, FuzzUser } from "./target.js";

/** How long and how hard to fuzz. */
export interface FuzzSettings {
  readonly seed: number;
  readonly runs: number;
  readonly maxSeconds: number;
  /** Log every bad answer and go on (npm run fuzz:protocols), rather than stop at the first. */
  readonly keepGoing?: boolean;
}

/** What a run did. */
export interface FuzzReport {
  readonly requests: number;
  readonly byTransport: Record<string, number>;
  readonly byAnswer: Record<string, number>;
  readonly byMethod: Record<string, number>;
  /** fast-check's verdict: undefined when every answer passed, else the counterexample and why. */
  readonly failure?: string;
  /** With keepGoing: every bad answer, one line each. */
  readonly violations: string[];
  readonly seconds: number;
}

/** The settings from FUZZ_SEED / FUZZ_RUNS / FUZZ_SECONDS, or `defaults`. */
export function fuzzSettings(defaults: FuzzSettings, env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const number = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return { seed: number("FUZZ_SEED", defaults.seed), runs: number("FUZZ_RUNS", defaults.runs), maxSeconds: number("FUZZ_SECONDS", defaults.maxSeconds) };
}

interface Target {
  readonly service: ServiceName;
  readonly path: string;
  readonly input: DescMessage;
}

/** Every unary method of every service, with the manifest service whose port serves it. */
export function unaryMethods(): Target[] {
  return allServices.flatMap((service) => {
    const owner = junction.manifest.serviceServing(service.typeName);
    if (!owner) throw new Error(`no manifest service serves ${service.typeName}`);
    return service.methods.filter((m) => m.methodKind === "unary").map((m) => ({ service: owner.name, path: `/${service.typeName}/${m.name}`, input: m.input }));
  });
}

type Caller = "anonymous" | "user" | "service" | "service and user" | "bad token";
const CALLERS: Caller[] = ["anonymous", "user", "service", "service and user", "bad token"];
// A fresh user now and then: the fuzz may log its user out or change its password.
const RUNS_PER_USER = 100;

/** Fuzzes `target` until `settings.runs` requests were sent or time is up, stopping at the first bad answer. */
export async function fuzzProtocols(target: FuzzTarget, settings: FuzzSettings): Promise<FuzzReport> {
  const methods = unaryMethods();
  const client = new FuzzClient();
  const users: FuzzUser[] = [await target.newUser()];
  const known = () => users.flatMap((u) => [u.userId, u.email, u.orgId]);
  const violations: string[] = [];
  let finished = false;
  const counts = { requests: 0, byTransport: {} as Record<string, number>, byAnswer: {} as Record<string, number>, byMethod: {} as Record<string, number> };
  const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);

  const credentials = async (caller: Caller, from: ServiceName): Promise<Record<string, string>> => {
    if (counts.requests > 0 && counts.requests % RUNS_PER_USER === 0) {
      // A throttled registration leaves the last user in place.
      await target.newUser().then((user) => users.push(user), () => undefined);
    }
    const user = { authorization: `Bearer ${users.at(-1)!.accessToken}` };
    switch (caller) {
      case "anonymous":
        return {};
      case "user":
        return user;
      case "service":
        return target.serviceCredentials(from);
      case "service and user":
        return { ...(await target.serviceCredentials(from)), ...user };
      case "bad token":
        return { authorization: `Bearer ${users.at(-1)!.accessToken.slice(0, -4)}AAAA` };
    }
  };

  const cases = fc.constantFrom(...methods).chain((method) =>
    fc.record({
      method: fc.constant(method),
      transport: fc.constantFrom<Transport>(...TRANSPORTS),
      caller: fc.constantFrom(...CALLERS),
      from: fc.constantFrom(...serviceNames),
      message: arbitraryMessage(method.input, known),
      mutation: mutations,
    }),
  );
  const property = fc.asyncProperty(cases, async ({ method, transport, caller, from, message, mutation }) => {
    const request = wireRequest(transport, method.path, method.input, message, mutation as Mutation, await credentials(caller, from));
    const answer = await client.send(target.platform.url(method.service), request);
    // fast-check does not wait for the run in flight when time is up; its answer comes after the client closed.
    if (finished) return;
    counts.requests += 1;
    bump(counts.byTransport, transport);
    bump(counts.byAnswer, answerLabel(answer));
    bump(counts.byMethod, method.path);
    const wrong = violation(answer);
    if (!wrong) return;
    const line = `${request.method} ${method.service}${request.path.slice(0, 200)} (${transport}, ${caller}, ${mutation.kind}) → ${wrong}\n${answer.text.slice(0, 500)}`;
    if (!settings.keepGoing) throw new Error(line);
    violations.push(line);
  });

  const started = Date.now();
  try {
    const result = await fc.check(property, { seed: settings.seed, numRuns: settings.runs, interruptAfterTimeLimit: settings.maxSeconds * 1000, markInterruptAsFailure: false, endOnFailure: true });
    const failure = result.failed ? `${String(result.errorInstance)}\n${fc.defaultReportMessage(result)}` : undefined;
    return { ...counts, failure, violations, seconds: (Date.now() - started) / 1000 };
  } finally {
    finished = true;
    await client.close();
  }
}
