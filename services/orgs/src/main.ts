// The orgs service process: `npm run -w @junction/orgs start`.
import { exitOnSignals } from "@junction/platform/server/service-server";
import { startOrgs } from "./server.js";

try {
  exitOnSignals(await startOrgs());
} catch (error) {
  console.error(`orgs failed to start: ${(error as Error).message}`);
  process.exit(1);
}
