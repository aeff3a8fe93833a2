// The orgs service as a library: its declaration, for `npm start`, tests and tools.
export { orgsService } from "./service.js";
export type { OrgsContext } from "./context.js";
