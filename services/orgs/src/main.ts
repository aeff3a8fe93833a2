// The orgs service process: `npm run -w @junction/orgs start`.
import { runService } from "@junction/platform";
import { orgsService } from "./service.js";

await runService(orgsService);
