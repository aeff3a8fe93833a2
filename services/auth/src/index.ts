// The auth service as a library: its declaration, for `npm start`, tests and tools.
export { authService } from "./service.js";
export type { AuthContext } from "./context.js";
export { runAdminCommand } from "./admin-cli.js";
