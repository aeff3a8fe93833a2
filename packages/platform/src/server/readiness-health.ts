// grpc.health.v1 follows readiness: every service of the port is NOT_SERVING while a required
// dependency (its database) fails its probe, and SERVING again once it answers, so Envoy's health
// checks and any gRPC load balancer stop routing to an instance that cannot do its work. Redis,
// NATS and paused consumers only degrade a service (readiness.ts says why): it stays SERVING.
// Probed on a timer: Watch streams hear the change as it happens.
import type { Logger } from "../logger.js";
import { checkReadiness, type ReadinessCheck } from "../readiness.js";
import type { HealthRegistry } from "./health.js";

/** How often readiness is probed for health; Envoy checks every 5 s. */
export const READINESS_PROBE_INTERVAL_MS = 2000;

/** Keeps `health` in step with `readiness` until the returned stop function is called. */
export function healthFollowsReadiness(health: HealthRegistry, readiness: readonly ReadinessCheck[], logger: Logger, intervalMs = READINESS_PROBE_INTERVAL_MS): () => void {
  if (readiness.length === 0) return () => undefined;
  let serving = true;
  let running = false;
  const probe = async () => {
    if (running) return;
    running = true;
    try {
      const report = await checkReadiness(readiness);
      if (report.ready === serving) return;
      serving = report.ready;
      const status = serving ? "SERVING" : "NOT_SERVING";
      for (const service of health.statuses().keys()) health.set(service, status);
      if (serving) logger.info("dependencies answer again; health SERVING");
      else logger.warn({ checks: report.checks }, "a dependency fails; health NOT_SERVING");
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void probe(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
