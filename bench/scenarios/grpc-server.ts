// A Junction service answering a trivial unary gRPC call (auth GetJwks: the real auth service,
// compiled, with all its interceptors) under h2load, 4 connections × 16 streams, next to the
// servers a Node team would pick instead: bare @grpc/grpc-js, bare @connectrpc/connect-node, and
// node:http2 answering fixed bytes (the floor). CPU per call is the server process's own.
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { figure, type Comparison } from "../report.js";
import { BenchDeployment } from "../support/deployment.js";
import { h2loadGrpc } from "../support/load-generators.js";
import { BenchProcess } from "../support/processes.js";
import { inTurns, type BenchSettings } from "../support/settings.js";

export const GET_JWKS = `/${AuthService.typeName}/GetJwks`;

/** h2load against `url` for one round, with the server's CPU per completed call. */
export async function h2loadRound(url: string, server: { cpuMicros(): number }, settings: BenchSettings) {
  const before = server.cpuMicros();
  const sample = await h2loadGrpc(url, GET_JWKS, { connections: 4, streams: 16, seconds: settings.seconds, warmupSeconds: settings.warmupSeconds });
  if (sample.failed > 0) throw new Error(`h2load: ${sample.failed} of ${sample.requests} requests to ${url} failed`);
  return { value: sample.perSecond, p50Ms: sample.p50Ms, cpuUsPerCall: (server.cpuMicros() - before) / sample.requests };
}

/** Fails unless `url` answers GetJwks with at least one key: h2load only sees HTTP statuses. */
export async function assertAnswersGetJwks(url: string): Promise<void> {
  const { keys } = await createClient(AuthService, createGrpcTransport({ baseUrl: url })).getJwks({});
  if (keys.length === 0) throw new Error(`${url} answered GetJwks without keys`);
}

/** The server comparison. */
export async function grpcServer(settings: BenchSettings): Promise<Comparison[]> {
  const deployment = await BenchDeployment.create(settings.mode);
  const peers: BenchProcess[] = [];
  try {
    const auth = await deployment.start("auth");
    const peer = (label: string, source: string) => {
      const started = BenchProcess.start(label, source, settings.mode, process.env);
      peers.push(started);
      return started;
    };
    const grpcJs = peer("grpc-js", "bench/processes/grpc-js-server.ts");
    const connect = peer("connect-node", "bench/processes/connect-node-server.ts");
    const raw = peer("node:http2", "bench/processes/http2-server.ts");
    const urls = {
      junction: deployment.url("auth"),
      grpcJs: `http://127.0.0.1:${await grpcJs.port()}`,
      connect: `http://127.0.0.1:${await connect.port()}`,
      raw: `http://127.0.0.1:${await raw.port()}`,
    };
    for (const url of Object.values(urls)) await assertAnswersGetJwks(url);
    const samples = await inTurns(settings.rounds, {
      "Junction auth": () => h2loadRound(urls.junction, auth, settings),
      "bare grpc-js": () => h2loadRound(urls.grpcJs, grpcJs, settings),
      "bare connect-node": () => h2loadRound(urls.connect, connect, settings),
      "node:http2 fixed bytes": () => h2loadRound(urls.raw, raw, settings),
    });
    return [
      {
        goal: "gRPC server: GetJwks under h2load (4 connections × 16 streams)",
        junction: figure("Junction auth service (compiled, every interceptor)", "req/s", samples["Junction auth"]!),
        peer: figure("bare @grpc/grpc-js server", "req/s", samples["bare grpc-js"]!),
        others: [figure("bare @connectrpc/connect-node server", "req/s", samples["bare connect-node"]!), figure("node:http2 answering fixed bytes", "req/s", samples["node:http2 fixed bytes"]!)],
        target: { kind: "ratio", value: 0.6 },
        notes: "h2load reports mean latency (shown as p50); CPU per call is the server process's own time over the calls it answered.",
      },
    ];
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
    await deployment.close();
  }
}
