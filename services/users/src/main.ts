// The users service process: `npm run -w @junction/users start`.
import { exitOnSignals } from "@junction/platform/server/service-server";
import { startUsers } from "./server.js";

try {
  exitOnSignals(await startUsers());
} catch (error) {
  console.error(`users failed to start: ${(error as Error).message}`);
  process.exit(1);
}
