// The conformance server under test: reads one ServerCompatRequest from stdin, serves
// ConformanceService the way every Junction service is served (startServiceServer: the one-port
// h2c + HTTP/1.1 listener, call observation, the identity guards, the message size limit) and
// writes its address to stdout as a ServerCompatResponse. SIGTERM stops it gracefully.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { bind, createAccessTokenVerifier, createLogger, exitOnSignals, identityInterceptors, serviceSecretFromEnv, startServiceServer } from "@junction/platform";
import { ServerCompatRequestSchema, ServerCompatResponseSchema } from "../var/conformance/gen/connectrpc/conformance/v1/server_compat_pb.js";
import { ConformanceService } from "../var/conformance/gen/connectrpc/conformance/v1/service_pb.js";
import { conformanceHandlers } from "./conformance-service.js";
import { conformancePolicy } from "./policy.js";
import { readSizeDelimited, sizeDelimited } from "./size-delimited.js";

const HOST = "127.0.0.1";
// No test case sends an Authorization header; the verifier is here so the guard is the real one.
const JWKS_URL = process.env.JUNCTION_JWKS_URL ?? "http://127.0.0.1:50051/.well-known/jwks.json";

const first = await readSizeDelimited(process.stdin)[Symbol.asyncIterator]().next();
if (first.done) throw new Error("conformance server: no ServerCompatRequest on stdin");
const request = fromBinary(ServerCompatRequestSchema, first.value);
// conformance/server-config.yaml says no TLS, so the runner never asks for it.
if (request.useTls) throw new Error("conformance server: TLS was requested, but Junction services serve cleartext only");

// stdout carries the response to the runner, so logs go to stderr.
const logger = createLogger("conformance", process.env.LOG_LEVEL ?? "error", 2);
const server = await startServiceServer({
  name: "conformance",
  port: 0,
  host: HOST,
  policy: conformancePolicy(),
  logger,
  services: [bind(ConformanceService, conformanceHandlers)],
  // As startService configures them; ConformanceService is public, so no service token is required.
  interceptors: identityInterceptors(serviceSecretFromEnv(process.env, logger), createAccessTokenVerifier({ jwksUrl: JWKS_URL })),
  maxMessageBytes: request.messageReceiveLimit > 0 ? request.messageReceiveLimit : undefined,
});
exitOnSignals(server);
process.stdout.write(sizeDelimited(toBinary(ServerCompatResponseSchema, create(ServerCompatResponseSchema, { host: HOST, port: server.port }))));
