// The conformance client under test: reads ClientCompatRequests from stdin, makes each call
// through the platform's client (createServiceClient: the resilient transport's deadline and
// breaker, the outgoing-call and service-credential interceptors; retries off) and writes one
// ClientCompatResponse per case to stdout as calls finish. Exits at the end of its input once
// every call is done.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ClientCompatRequestSchema,
  ClientCompatResponseSchema,
  type ClientCompatRequest,
  type ClientCompatResponse,
} from "../var/conformance/gen/connectrpc/conformance/v1/client_compat_pb.js";
import { conformanceClients } from "./client-wire.js";
import { invoke } from "./invoke.js";
import { conformancePolicy } from "./policy.js";
import { readSizeDelimited, sizeDelimited } from "./size-delimited.js";

// Cases spend most of their time waiting (delays, timeouts), so many run at once.
const MAX_IN_FLIGHT = 32;

const clientFor = conformanceClients(conformancePolicy());

async function run(req: ClientCompatRequest): Promise<ClientCompatResponse> {
  try {
    const result = await invoke(clientFor(req), req);
    return create(ClientCompatResponseSchema, { testName: req.testName, result: { case: "response", value: result } });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return create(ClientCompatResponseSchema, { testName: req.testName, result: { case: "error", value: { message } } });
  }
}

const inFlight = new Set<Promise<void>>();
for await (const bytes of readSizeDelimited(process.stdin)) {
  const call: Promise<void> = run(fromBinary(ClientCompatRequestSchema, bytes))
    // One write per response, and stdout writes to a pipe are synchronous: no interleaving.
    .then((response) => void process.stdout.write(sizeDelimited(toBinary(ClientCompatResponseSchema, response))))
    .finally(() => inFlight.delete(call));
  inFlight.add(call);
  if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
}
await Promise.all(inFlight);
// The cached clients keep idle HTTP/2 sessions open, which would keep the process alive.
process.exit(0);
