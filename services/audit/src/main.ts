// The audit service process: `npm run -w @junction/audit start`.
import { runService } from "@junction/platform";
import { auditService } from "./service.js";

await runService(auditService);
