// The orgs stand-in as its own process (orgs-stand-in.ts), on JUNCTION_ORGS_PORT.
import { announce } from "./fixtures.js";
import { startOrgsStandIn } from "./orgs-stand-in.js";

const server = await startOrgsStandIn();
announce(`port ${server.port}`);
