// `npm run events -- outbox`: each producing service's unsent outbox rows, read from its own
// database — found as the services find it (JUNCTION_<SERVICE>_DATABASE_URL, else DATABASE_URL
// with the manifest's database).
import { databaseName, databaseUrl, describeError, type Manifest, outboxStateAt } from "@junction/platform";
import { ageText, type Report } from "./cli-output.js";

/** The outbox report of every producing service of `manifest`; `failed` when a database could not be read. */
export async function outboxReport(manifest: Manifest, env: NodeJS.ProcessEnv): Promise<Report & { failed: boolean }> {
  const services = await Promise.all(
    manifest.producers.map(async (service) => {
      const url = databaseUrl(service, env.DATABASE_URL, env, manifest.service(service).database);
      const where = { service, database: databaseName(url), host: new URL(url).host };
      try {
        const state = await outboxStateAt(url);
        if (state === "missing") return { ...where, state: "missing" as const };
        return { ...where, state: "ok" as const, unsent: state.unsent, oldestUnsentAgeSeconds: state.oldestUnsentAgeMs / 1000, head: state.head };
      } catch (error) {
        return { ...where, state: "unreachable" as const, error: describeError(error) };
      }
    }),
  );
  const text = services.map((s) => {
    const place = `${s.service}  database=${s.database}@${s.host}`;
    if (s.state === "missing") return `${place}  no outbox yet (the service has not started against this database)`;
    if (s.state === "unreachable") return `${place}  cannot read: ${s.error}`;
    const head = s.head ? `  next=${s.head.type}  attempts=${s.head.attempts}${s.head.lastError ? `  last_error=${s.head.lastError}` : ""}` : "";
    return `${place}  unsent=${s.unsent}  oldest=${s.unsent ? ageText(s.oldestUnsentAgeSeconds * 1000) : "-"}${head}`;
  });
  return { data: { services }, text, failed: services.some((s) => s.state === "unreachable") };
}
