// Before a local run starts anything: are PostgreSQL, Redis and NATS answering? Each one that
// is not is named, with how to start it. And are the ports it is about to listen on free?
import net from "node:net";
import { NATS_START_HINT, POSTGRES_START_HINT, REDIS_START_HINT } from "@junction/platform";

const START_HINTS: Record<string, string> = { PostgreSQL: POSTGRES_START_HINT, Redis: REDIS_START_HINT, NATS: NATS_START_HINT };

function reachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

/** Names every dependency that does not answer, with how to start it; empty when all are up. */
export async function missingDependencies(env: NodeJS.ProcessEnv): Promise<string[]> {
  const deps: Array<[string, string]> = [
    ["PostgreSQL", env.DATABASE_URL ?? "postgres://127.0.0.1:5432"],
    ["Redis", env.REDIS_URL ?? "redis://127.0.0.1:6379"],
    ["NATS", env.NATS_URL ?? "nats://127.0.0.1:4222"],
  ];
  const problems: string[] = [];
  for (const [name, url] of deps) {
    const { hostname, port } = new URL(url);
    if (!(await reachable(hostname, Number(port)))) {
      problems.push(`${name} is not reachable at ${hostname}:${port}. Start it with:\n    ${START_HINTS[name]}`);
    }
  }
  return problems;
}

/** A port a local run listens on, who it is for, and the variable that moves it. */
export interface PlannedPort {
  readonly owner: string;
  readonly port: number;
  readonly variable: string;
}

// Whether something already listens on 127.0.0.1:`port`, found the way the process will find it:
// by binding it. (A connect probe can connect a socket to itself on a free port of the ephemeral
// range, and would call that port taken.)
function listenedOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "EADDRINUSE"));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/** Names every planned port something already listens on (another npm start, another program); empty when all are free. */
export async function portsInUse(ports: readonly PlannedPort[]): Promise<string[]> {
  const busy = await Promise.all(ports.map(async (planned) => ((await listenedOn(planned.port)) ? [planned] : [])));
  return busy.flat().map(({ owner, port, variable }) => `port ${port} (${owner}) is already in use, perhaps by another npm start: stop that, or move ${owner} with ${variable}`);
}
