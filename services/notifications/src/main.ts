// The notifications service process: `npm run -w @junction/notifications start`.
import { exitOnSignals } from "@junction/platform/server/service-server";
import { startNotifications } from "./server.js";

try {
  exitOnSignals(await startNotifications());
} catch (error) {
  console.error(`notifications failed to start: ${(error as Error).message}`);
  process.exit(1);
}
