// The audit service process: `npm run -w @junction/audit start`.
import { exitOnSignals } from "@junction/platform/server/service-server";
import { startAudit } from "./server.js";

try {
  exitOnSignals(await startAudit());
} catch (error) {
  console.error(`audit failed to start: ${(error as Error).message}`);
  process.exit(1);
}
