// The users service process: `npm run -w @junction/users start`.
import { runService } from "@junction/platform";
import { usersService } from "./service.js";

await runService(usersService);
