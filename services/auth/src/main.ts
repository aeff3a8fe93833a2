// The auth service process: `npm run -w @junction/auth start`.
import { runService } from "@junction/platform";
import { authService } from "./service.js";

await runService(authService);
