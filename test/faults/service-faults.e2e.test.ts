// Services failing under a steady stream of registrations through the edge, against a deployment
// with its own NATS, Redis and PostgreSQL: the consumer users and the producer auth killed for
// real (SIGKILL of their processes; auth while it holds an open transaction), notifications
// restarted gracefully, and a poison event fed to the AUTH stream and replayed. After each, every
// committed registration has exactly one profile, audit entry and verification email, the audit
// chain verifies, and no answer was a 500. Bounds: test/support/fault-drill.ts (FAULT_BOUNDS).
import test from "ava";
import { setTimeout as sleep } from "node:timers/promises";
import { type AuditAdmin, createAuditAdmin } from "../support/audit-chain.js";
import { FaultDeployment } from "../support/fault-deployment.js";
import { assertRecovered } from "../support/fault-assertions.js";
import { runFaultDrill } from "../support/fault-drill.js";
import { killService, POISONED_CONSUMERS, poisonEvent, restartGracefully } from "../support/faults.js";
import { deadLetters } from "../support/poison-event.js";
import { allEffectsOnce, checkEffects, describeEffects } from "../support/registration-effects.js";
import { RegistrationTraffic } from "../support/registration-traffic.js";

// A killed consumer's deliveries come back after its lease: 5 s here instead of the default
// 30 s, so the drill measures recovery rather than waiting.
const ACK_WAIT_MS = 5000;
const DRILL_TIMEOUT = 180_000;

let deployment: FaultDeployment;
let traffic: RegistrationTraffic;
let admin: AuditAdmin;

test.before(async () => {
  deployment = await FaultDeployment.launch({ processes: ["auth", "users"], consumerSettings: { ackWaitMs: ACK_WAIT_MS } });
  traffic = new RegistrationTraffic(deployment.edgeUrl);
  admin = await createAuditAdmin(deployment);
});
test.after.always(async () => {
  await traffic?.stop();
  await deployment?.close();
});

test.serial("the consumer users killed (SIGKILL) and restarted: every profile arrives once, registrations never fail", async (t) => {
  t.timeout(DRILL_TIMEOUT);
  assertRecovered(t, await runFaultDrill(deployment, traffic, admin, killService(deployment, "users")), { everyAnswerOk: true });
});

test.serial("the producer auth killed (SIGKILL) while a transaction is open, and restarted: 503s meanwhile, and every commit has its effects once", async (t) => {
  t.timeout(DRILL_TIMEOUT);
  const outcome = await runFaultDrill(deployment, traffic, admin, killService(deployment, "auth", { midTransaction: true }));
  assertRecovered(t, outcome);
  t.true(Object.keys(outcome.answers).some((key) => key.startsWith("503")), `the edge said auth was unavailable: ${JSON.stringify(outcome.answers)}`);
});

test.serial("notifications restarted gracefully: no email lost or sent twice, registrations never fail", async (t) => {
  t.timeout(DRILL_TIMEOUT);
  assertRecovered(t, await runFaultDrill(deployment, traffic, admin, restartGracefully(deployment, "notifications")), { everyAnswerOk: true });
});

test.serial("a poison event is dead-lettered by the consumers with a handler for it, alone; its replay goes back to them only", async (t) => {
  t.timeout(DRILL_TIMEOUT);
  const seen: { eventId?: string } = {};
  const outcome = await runFaultDrill(deployment, traffic, admin, poisonEvent(deployment, seen));
  assertRecovered(t, outcome, { deadLettered: POISONED_CONSUMERS.length, everyAnswerOk: true });
  const letters = (await deadLetters(deployment.platform.env)).filter((l) => l.eventId === seen.eventId);
  t.deepEqual(letters.map((l) => l.consumer).sort(), [...POISONED_CONSUMERS], "one letter per consumer that failed, after the replay too");
  t.true(letters.every((l) => l.deliveries === 1 && /decode|json|parse/i.test(l.error)), letters.map((l) => l.error).join("; "));
  t.true(
    letters.every((l) => l.headers.some(([name]) => name.toLowerCase() === "dlq-replayed-from")),
    "the letters left are of the replays: each consumer got its own replay, and made one letter of it",
  );
});

test.serial("settled: after every lease has expired, still every effect exactly once", async (t) => {
  // A delivery redelivered late (after its lease) must find its inbox row, not make a second effect.
  await sleep(2 * ACK_WAIT_MS);
  const effects = await checkEffects(deployment, traffic.attempts);
  t.true(allEffectsOnce(effects), describeEffects(effects));
  t.log(describeEffects(effects));
});
