// Dependencies crashing under a steady stream of registrations through the edge, each a server
// of the test's own on its own port (never the machine's shared ones): NATS (SIGKILL), PostgreSQL
// (immediate shutdown: a crash, recovered from its WAL at restart) and Redis (SIGKILL, restarted
// empty; calls that need it are refused at once meanwhile), each started again on the same port.
// After each, every committed registration has exactly one profile, audit entry and verification
// email, nothing was dead-lettered, the audit chain verifies, and no answer was a 500. Bounds:
// test/support/fault-drill.ts (FAULT_BOUNDS).
import test from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { type AuditAdmin, createAuditAdmin, signInAdmin } from "../support/audit-chain.js";
import { callEdge, type EdgeAnswer } from "../support/edge-calls.js";
import { answerKey, improperAnswer, reasonOf } from "../support/edge-answers.js";
import { FaultDeployment } from "../support/fault-deployment.js";
import { assertRecovered } from "../support/fault-assertions.js";
import { type Fault, runFaultDrill } from "../support/fault-drill.js";
import { crashDependency } from "../support/faults.js";
import { allEffectsOnce, checkEffects, describeEffects } from "../support/registration-effects.js";
import { RegistrationTraffic } from "../support/registration-traffic.js";

// Deliveries whose ack was lost with NATS come back after their lease: 5 s here, 30 s by default.
const ACK_WAIT_MS = 5000;
const DRILL_TIMEOUT = 180_000;
// A call that needs a dependency which is down must be refused, not held: twice the longest
// policy deadline on its path (Login, 5 s) is a hang.
const PROBE_GIVE_UP_MS = 10_000;

let deployment: FaultDeployment;
let traffic: RegistrationTraffic;
let admin: AuditAdmin;

test.before(async () => {
  deployment = await FaultDeployment.launch({ consumerSettings: { ackWaitMs: ACK_WAIT_MS } });
  traffic = new RegistrationTraffic(deployment.edgeUrl);
  admin = await createAuditAdmin(deployment);
});
test.after.always(async () => {
  await traffic?.stop();
  await deployment?.close();
});

test.serial("NATS crashed and restarted: registrations never fail, every event reaches every consumer once", async (t) => {
  t.timeout(DRILL_TIMEOUT);
  assertRecovered(t, await runFaultDrill(deployment, traffic, admin, crashDependency(deployment, "nats")), { everyAnswerOk: true });
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
      await sleep(1000);
      const probe = { giveUpAfterMs: PROBE_GIVE_UP_MS };
      probes.login = await callEdge(deployment.edgeUrl, "POST", "/v1/auth/login", { ...probe, body: admin });
      probes.me = await callEdge(deployment.edgeUrl, "GET", "/v1/me", { ...probe, token });
      probes.readyz = await callEdge(deployment.edgeUrl, "GET", "/readyz", probe);
      await sleep(1000);
    },
  };
  assertRecovered(t, await runFaultDrill(deployment, traffic, admin, fault), { everyAnswerOk: true });
  for (const [name, answer] of Object.entries(probes)) {
    t.log(`${name}: ${answerKey(answer)} in ${answer.elapsedMs} ms`);
    t.is(answer.status, 503, `${name}: ${JSON.stringify(answer.body)}`);
    if (name !== "readyz") t.is(improperAnswer(answer), undefined, name);
  }
  t.is(reasonOf(probes.me!), "SESSION_STORE_UNAVAILABLE");
});

test.serial("settled: after every lease has expired, still every effect exactly once", async (t) => {
  await sleep(2 * ACK_WAIT_MS);
  const effects = await checkEffects(deployment, traffic.attempts);
  t.true(allEffectsOnce(effects), describeEffects(effects));
  t.log(describeEffects(effects));
});
