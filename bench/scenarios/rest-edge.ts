// REST+JSON through the TypeScript edge (routing, token check, rate limiting, transcoding,
// resilient upstream call) vs. the same RPC called directly over gRPC on the service.
import { randomBytes, randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from "jose";
import { Agent, request } from "undici";
import { OrgsService } from "@junction/gen/junction/orgs/v1/orgs_service_pb";
import { startEdge } from "@junction/edge";
import { bind, CommunicationPolicy, createAccessTokenVerifier, createLogger, startServiceServer } from "@junction/platform";
import { runLoad, type LoadShape } from "../load.js";
import type { Comparison } from "../report.js";

const policyFile = new URL("../../policy.yaml", import.meta.url).pathname;

/** Measures both paths with the same RPC and load. */
export async function restThroughEdge(shape: LoadShape): Promise<Comparison> {
  const logger = createLogger("bench", "warn");
  const upstream = await startServiceServer({
    name: "orgs",
    port: 0,
    policy: CommunicationPolicy.load(policyFile),
    logger,
    services: [bind(OrgsService, { getOrganization: (req) => ({ organization: { orgId: req.orgId, name: "Acme", createdBy: "u1" } }) })],
  });
  const direct = createClient(OrgsService, createGrpcTransport({ baseUrl: upstream.url }));
  const baseline = await runLoad(() => direct.getOrganization({ orgId: "o1" }), shape);

  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { extractable: true });
  const verifier = createAccessTokenVerifier({ keys: createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: "bench", alg: "EdDSA" }] }) });
  const token = await new SignJWT({ sid: "s1", roles: ["ROLE_USER"] })
    .setProtectedHeader({ alg: "EdDSA", kid: "bench" })
    .setSubject("u1")
    .setIssuer("junction-auth")
    .setAudience("junction")
    .setExpirationTime("10m")
    .sign(privateKey);
  const edge = await startEdge({
    port: 0,
    logger,
    verifier,
    env: {
      ...process.env,
      JUNCTION_ORGS_URL: upstream.url,
      JUNCTION_EDGE_RATE_LIMIT_PER_CLIENT: "0",
      JUNCTION_EDGE_RATE_LIMIT_PER_USER: "0",
      JUNCTION_REDIS_NAMESPACE: `bench-${randomUUID()}`,
      JUNCTION_SERVICE_SECRET: randomBytes(32).toString("hex"),
      LOG_LEVEL: "warn",
    },
  });
  const agent = new Agent({ connections: shape.concurrency, pipelining: 1 });
  const junction = await runLoad(async () => {
    const res = await request(`${edge.url}/v1/orgs/o1`, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } });
    if (res.statusCode !== 200) throw new Error(`edge answered ${res.statusCode}: ${await res.body.text()}`);
    await res.body.json();
  }, shape);
  await agent.close();
  await edge.close();
  await upstream.close();
  return { name: "REST via edge", junction, baseline, baselineName: "same RPC directly over gRPC", target: 0.6 };
}
