// The notifications service process: `npm run -w @junction/notifications start`.
import { runService } from "@junction/platform";
import { notificationsService } from "./service.js";

await runService(notificationsService);
