// The orgs service as a library: start it in-process (tests, `npm start`).
export { startOrgs, type OrgsOptions, type OrgsServer } from "./server.js";
