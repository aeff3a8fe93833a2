// Dependencies crashing under a steady stream of registrations through an edge, each a server
// of the test's own on its own port (never the machine's shared ones): NATS (SIGKILL), PostgreSQL
// (immediate shutdown: a crash, recovered from its WAL at restart) and Redis (SIGKILL, restarted
// empty; calls that need it are refused at once meanwhile), each started again on the same port.
// After each, every committed registration has exactly one profile, audit entry and verification
// email, nothing was dead-lettered, the audit chain verifies, and no answer was a 500. Bounds:
// test/support/fault-drill.ts (FAULT_BOUNDS). One suite, run through each edge by its own file:
// test/faults/dependency-faults.e2e.test.ts (the TypeScript edge) and
// test/faults/dependency-faults-envoy.e2e.test.ts (the real Envoy, whose active health checks
// must not take every instance out of routing for a dependency they all share).
import test from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { type AuditAdmin, createAuditAdmin, signInAdmin } from "./audit-chain.js";
import { callEdge, type EdgeAnswer } from "./edge-calls.js";
import { answerKey, improperAnswer, reasonOf } from "./edge-answers.js";
import { FaultDeployment } from "./fault-deployment.js";
import { assertRecovered } from "./fault-assertions.js";
import { type Fault, FAULT_BOUNDS, runFaultDrill } from "./fault-drill.js";
import { crashDependency } from "./faults.js";
import { allEffectsOnce, checkEffects, describeEffects } from "./registration-effects.js";
import { RegistrationTraffic } from "./registration-traffic.js";

// Deliveries whose ack was lost with NATS come back after their lease: 5 s here, 30 s by default.
const ACK_WAIT_MS = 5000;
const DRILL_TIMEOUT = 180_000;
// A call that needs a dependency which is down must be refused, not held: twice the longest
// policy deadline on its path (Login, 5 s) is a hang.
const PROBE_GIVE_UP_MS = 10_000;
// Envoy takes a host out of routing after three failed health checks 5 s apart, and a service's
// health follows its readiness probe (every 2 s): a dependency down for longer than this would
// have every instance taken out if that dependency made them unhealthy.
const ENVOY_EJECTION_MS = 3 * 5000 + 2000 + 1000;

/** Registers the dependency fault tests of a deployment with `edge` in front. */
export function dependencyFaultSuite(edge: "typescript" | "envoy"): void {
  let deployment: FaultDeployment;
  let traffic: RegistrationTraffic;
  let admin: AuditAdmin;

  test.before(async () => {
    deployment = await FaultDeployment.launch({ consumerSettings: { ackWaitMs: ACK_WAIT_MS }, edge });
    traffic = new RegistrationTraffic(deployment.edgeUrl);
    admin = await createAuditAdmin(deployment);
  });
  test.after.always(async () => {
    await traffic?.stop();
    await deployment?.close();
  });

  /** How long a dependency the services can do without stays down: through Envoy, past its ejection time. */
  const holdShared = () => sleep(edge === "envoy" ? ENVOY_EJECTION_MS : FAULT_BOUNDS.holdMs);

  test.serial("NATS crashed and restarted: registrations never fail, every event reaches every consumer once", async (t) => {
    t.timeout(DRILL_TIMEOUT);
    const fault: Fault = { ...crashDependency(deployment, "nats"), hold: holdShared };
    assertRecovered(t, await runFaultDrill(deployment, traffic, admin, fault), { everyAnswerOk: true });
  });

  test.serial("PostgreSQL crashed and restarted: 503s meanwhile, consumers pause instead of dead-lettering, every commit has its effects once", async (t) => {
    t.timeout(DRILL_TIMEOUT);
    const outcome = await runFaultDrill(deployment, traffic, admin, crashDependency(deployment, "postgres"));
    assertRecovered(t, outcome);
    t.true(Object.keys(outcome.answers).some((key) => key.startsWith("503")), `registrations were refused as unavailable: ${JSON.stringify(outcome.answers)}`);
  });

  test.serial("Redis crashed and restarted empty: registrations never fail; sign-in and session checks answer 503 at once meanwhile", async (t) => {
    t.timeout(DRILL_TIMEOUT);
    const crash = crashDependency(deployment, "redis");
    const probes: Record<string, EdgeAnswer> = {};
    let token = "";
    const fault: Fault = {
      ...crash,
      inject: async () => {
        token = await signInAdmin(deployment, admin);
        await crash.inject();
      },
      // Calls that need Redis, made while it is down: each must be refused (503), not held.
      hold: async () => {
        await holdShared();
        const probe = { giveUpAfterMs: PROBE_GIVE_UP_MS };
        probes.login = await callEdge(deployment.edgeUrl, "POST", "/v1/auth/login", { ...probe, body: admin });
        probes.me = await callEdge(deployment.edgeUrl, "GET", "/v1/me", { ...probe, token });
        // The TypeScript edge's own readiness (Envoy's is on its admin port).
        if (edge === "typescript") probes.readyz = await callEdge(deployment.edgeUrl, "GET", "/readyz", probe);
        await sleep(1000);
      },
    };
    assertRecovered(t, await runFaultDrill(deployment, traffic, admin, fault), { everyAnswerOk: true });
    for (const [name, answer] of Object.entries(probes)) t.log(`${name}: ${answerKey(answer)} in ${answer.elapsedMs} ms`);
    for (const name of ["login", "me"]) {
      t.is(probes[name]!.status, 503, `${name}: ${JSON.stringify(probes[name]!.body)}`);
      t.is(improperAnswer(probes[name]!), undefined, name);
    }
    // Answered by the service itself: Envoy still routes to it.
    t.is(reasonOf(probes.me!), "SESSION_STORE_UNAVAILABLE");
    if (probes.readyz) t.like(probes.readyz, { status: 200, body: { status: "degraded", ready: true } });
  });

  test.serial("settled: after every lease has expired, still every effect exactly once", async (t) => {
    await sleep(2 * ACK_WAIT_MS);
    const effects = await checkEffects(deployment, traffic.attempts);
    t.true(allEffectsOnce(effects), describeEffects(effects));
    t.log(describeEffects(effects));
  });
}
