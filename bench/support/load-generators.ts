// The load generators for server-side figures, none of them Node (a Node load generator on two
// cores measures itself): h2load for gRPC over h2c, wrk for REST over HTTP/1.1. Each runs for a
// fixed time after a warm-up and returns requests per second and latency.
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What a load generator measured. */
export interface LoadSample {
  /** Completed requests per second over the measured time. */
  perSecond: number;
  /** Requests completed in the measured time. */
  requests: number;
  /** Requests that failed or answered with a non-2xx status. */
  failed: number;
  /** Mean latency (h2load) or median (wrk), in ms. */
  p50Ms: number;
  /** 99th percentile latency in ms, where the generator reports it (wrk). */
  p99Ms?: number;
}

/** How hard and how long. */
export interface LoadOptions {
  connections: number;
  /** Concurrent streams per connection (h2load) or nothing (wrk: one request per connection at a time). */
  streams?: number;
  seconds: number;
  warmupSeconds: number;
  headers?: Record<string, string>;
}

/** Whether a tool is installed (on PATH or in var/tools/bin). */
export function toolPath(name: string): string | undefined {
  const local = new URL(`../../var/tools/bin/${name}`, import.meta.url).pathname;
  if (existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? "").split(":")) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

function required(name: string, hint: string): string {
  const path = toolPath(name);
  if (!path) throw new Error(`${name} is not installed: ${hint}`);
  return path;
}

const EMPTY_MESSAGE = join(tmpdir(), "junction-bench-empty-grpc-message.bin");

/** h2load against a unary gRPC method taking an empty request message, e.g. /junction.auth.v1.AuthService/GetJwks. */
export async function h2loadGrpc(baseUrl: string, path: string, options: LoadOptions): Promise<LoadSample> {
  const h2load = required("h2load", "apt-get install nghttp2-client (npm run setup installs it)");
  writeFileSync(EMPTY_MESSAGE, Buffer.alloc(5)); // one empty, uncompressed gRPC message
  const args = [
    "-c",
    String(options.connections),
    "-m",
    String(options.streams ?? 1),
    "-D",
    String(options.seconds),
    "--warm-up-time",
    String(options.warmupSeconds),
    "-H",
    "content-type: application/grpc",
    "-H",
    "te: trailers",
    ...Object.entries(options.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    "-d",
    EMPTY_MESSAGE,
    `${baseUrl}${path}`,
  ];
  const { stdout } = await run(h2load, args, { timeout: (options.seconds + options.warmupSeconds + 30) * 1000 });
  const finished = stdout.match(/finished in ([\d.]+)(m?s), ([\d.]+) req\/s/);
  const requests = stdout.match(/requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/);
  const latency = stdout.match(/time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/);
  if (!finished || !requests) throw new Error(`cannot read h2load's output:\n${stdout}`);
  const meanMs = latency ? Number(latency[1]) * (latency[2] === "us" ? 0.001 : latency[2] === "s" ? 1000 : 1) : NaN;
  return { perSecond: Number(finished[3]), requests: Number(requests[3]), failed: Number(requests[4]) + Number(requests[5]), p50Ms: meanMs };
}

/** wrk GET against `url`, with one thread per core left to it. */
export async function wrkGet(url: string, options: LoadOptions): Promise<LoadSample> {
  const wrk = required("wrk", "apt-get install wrk (npm run setup installs it)");
  const headers = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  if (options.warmupSeconds > 0) await run(wrk, ["-t1", `-c${options.connections}`, `-d${options.warmupSeconds}s`, ...headers, url], { timeout: (options.warmupSeconds + 30) * 1000 });
  const { stdout } = await run(wrk, ["-t1", `-c${options.connections}`, `-d${options.seconds}s`, "--latency", ...headers, url], { timeout: (options.seconds + 30) * 1000 });
  const perSecond = stdout.match(/Requests\/sec:\s+([\d.]+)/);
  const total = stdout.match(/(\d+) requests in/);
  const non2xx = stdout.match(/Non-2xx or 3xx responses: (\d+)/);
  const errors = stdout.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const percentile = (p: string) => {
    const m = stdout.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, "m"));
    return m ? Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1) : NaN;
  };
  if (!perSecond || !total) throw new Error(`cannot read wrk's output:\n${stdout}`);
  const socketErrors = errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return { perSecond: Number(perSecond[1]), requests: Number(total[1]), failed: Number(non2xx?.[1] ?? 0) + socketErrors, p50Ms: percentile("50"), p99Ms: percentile("99") };
}
