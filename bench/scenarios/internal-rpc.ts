// Internal RPC through the platform's client stack (policy deadline, round-robin, breaker,
// retry budget, tracing, service credentials) and one-port server (observation, credentials
// guard) vs. a bare connect-node server and client on HTTP/2 with no interceptors.
import http2 from "node:http2";
import type net from "node:net";
import { createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { bind, createLogger, ServiceHost } from "@junction/platform";
import { standIn } from "../../test/support/stand-in.js";
import { runLoad, type LoadShape } from "../load.js";
import type { Comparison } from "../report.js";

const answer = { organizations: [{ organization: { orgId: "o1", name: "Acme" }, role: 1 }] };

/** Measures both paths with the same method, payload and load. */
export async function internalRpc(shape: LoadShape): Promise<Comparison> {
  // Baseline: bare connect-node.
  const bare = http2.createServer(connectNodeAdapter({ routes: (router) => router.service(InternalOrgsService, { listUserOrganizations: () => answer }) }));
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  const bareClient = createClient(InternalOrgsService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${(bare.address() as net.AddressInfo).port}` }));
  const baseline = await runLoad(() => bareClient.listUserOrganizations({ userId: "u1" }), shape);
  bare.close();

  // Junction: runtime server and runtime client (service credentials on both sides).
  const env = { ...process.env, JUNCTION_SERVICE_SECRET: "bench-secret-0123456789abcdef0123456789", LOG_LEVEL: "warn" };
  const logger = createLogger("bench", "warn");
  const server = await standIn("orgs", [bind(InternalOrgsService, { listUserOrganizations: () => answer })])({ env: { ...env, JUNCTION_ORGS_PORT: "0" }, logger });
  const users = ServiceHost.create("users", { env: { ...env, JUNCTION_ORGS_URL: server.url }, logger });
  const client = users.client(InternalOrgsService);
  const junction = await runLoad(() => client.listUserOrganizations({ userId: "u1" }), shape);
  await server.close();

  return { name: "internal RPC", junction, baseline, baselineName: "bare connect-node echo", target: 0.8 };
}
