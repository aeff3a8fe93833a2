// REST clients of an upstream that is down, or whose own dependency is down: the edge answers 503
// in the platform's JSON shape with the Retry-After header the UNAVAILABLE carries (RetryInfo
// says the same in the body), whether the edge made the error itself (the upstream refused the
// connection; its breaker is open) or the upstream answered it (DEPENDENCY_UNAVAILABLE). The
// fault suite found the header missing on REST answers.
import test from "ava";
import { randomBytes, randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { AuthService } from "@junction/gen/junction/auth/v1/auth_service_pb";
import { bind, CommunicationPolicy, createLogger, startServiceServer, unavailable } from "@junction/platform";
import { freePort } from "../../../packages/platform/test/support/ports.js";
import { startEdge } from "../src/edge.js";

const logger = createLogger("edge-test", "error");
const policy = CommunicationPolicy.load(new URL("../../../policy.yaml", import.meta.url).pathname);

async function edgeWithAuthAt(authUrl: string) {
  const env = { JUNCTION_AUTH_URL: authUrl, JUNCTION_SERVICE_SECRET: randomBytes(32).toString("hex"), JUNCTION_REDIS_NAMESPACE: `edge-test-${randomUUID()}`, LOG_LEVEL: "error" };
  return startEdge({ env, port: 0, logger });
}

async function register(baseUrl: string) {
  const res = await fetch(`${baseUrl}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "a@example.com", password: "correct-horse-9", display_name: "A" }),
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as { code: number; details: Array<{ reason?: string }> } };
}

test("an upstream that refuses connections: 503 UPSTREAM_UNAVAILABLE (or CIRCUIT_OPEN) with Retry-After", async (t) => {
  const edge = await edgeWithAuthAt(`http://127.0.0.1:${await freePort()}`);
  t.teardown(() => edge.close());
  const reasons = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const answer = await register(edge.url);
    t.is(answer.status, 503);
    t.is(answer.body.code, Code.Unavailable);
    t.is(answer.retryAfter, "1", `Retry-After on ${JSON.stringify(answer.body)}`);
    reasons.add(answer.body.details.find((d) => d.reason)?.reason ?? "");
  }
  t.true(reasons.has("UPSTREAM_UNAVAILABLE"));
  t.true([...reasons].every((reason) => reason === "UPSTREAM_UNAVAILABLE" || reason === "CIRCUIT_OPEN"), [...reasons].join());
});

test("an upstream whose dependency is down answers DEPENDENCY_UNAVAILABLE: 503 with its Retry-After", async (t) => {
  const auth = await startServiceServer({
    name: "auth",
    port: 0,
    policy,
    logger,
    services: [bind(AuthService, { register: () => Promise.reject(unavailable("DEPENDENCY_UNAVAILABLE", "a dependency of this service is unavailable; try again")) })],
  });
  t.teardown(() => auth.close());
  const edge = await edgeWithAuthAt(auth.url);
  t.teardown(() => edge.close());
  const answer = await register(edge.url);
  t.is(answer.status, 503);
  t.is(answer.body.details.find((d) => d.reason)?.reason, "DEPENDENCY_UNAVAILABLE");
  t.is(answer.retryAfter, "1");
});
