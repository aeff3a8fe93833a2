// The auth service process: `npm run -w @junction/auth start`.
import { exitOnSignals } from "@junction/platform/server/service-server";
import { startAuth } from "./server.js";

try {
  exitOnSignals(await startAuth());
} catch (error) {
  console.error(`auth failed to start: ${(error as Error).message}`);
  process.exit(1);
}
