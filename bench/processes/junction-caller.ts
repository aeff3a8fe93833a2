// A Junction service calling another the way services do: runtime.client() of users calling orgs
// ListUserOrganizations (deadline, breaker, retry budget, request id, trace, service credentials),
// to JUNCTION_ORGS_URL — an address, or `in-process:` with the orgs stand-in hosted right here.
import { InternalOrgsService } from "@junction/gen/junction/orgs/v1/orgs_internal_service_pb";
import { ServiceHost } from "@junction/platform";
import { closedLoop, loadShape, report } from "./closed-loop.js";
import { standInManifest, startOrgsStandIn } from "./orgs-stand-in.js";

const shape = loadShape();
const inProcess = process.env.JUNCTION_ORGS_URL === "in-process:";
const server = inProcess ? await startOrgsStandIn() : undefined;
const users = ServiceHost.create("users", { manifest: standInManifest() });
const orgs = users.client(InternalOrgsService);
report(await closedLoop(() => orgs.listUserOrganizations({ userId: "u1" }), shape));
await server?.close();
process.exit(0);
